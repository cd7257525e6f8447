/* The long forms' helpers (issue 17). The pages work without them: the error summary's links are
   plain anchors and the server checks everything again. With scripts:
   - the focus starts at the first field at fault, and a summary link focuses its field;
   - 送审 asks for confirmation and lists what is still empty (forms with data-confirm-submit);
   - a row filter by 三级指标 name and 一级/二级 (_row_filter.html) hides rows, never their values;
   - leaving a form with data-warn-unsaved with what was typed not yet saved asks first. */
(function () {
  "use strict";

  function focusField(field) {
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }

  /* The error summary: its links focus their fields; on load the first field at fault has the
     focus, or the summary itself when that field is not on the page. */
  function errorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      focusField(field);
    });
    var first = summary.querySelector("a[href^='#']");
    var field = first && document.getElementById(first.getAttribute("href").slice(1));
    if (field && !field.disabled) focusField(field);
    else summary.focus();
  }

  /* What 送审 would leave empty: each row (data-label) or field whose figures (data-figure) are
     all blank, with its label. */
  function emptyEntries(form) {
    var groups = [];
    var byKey = new Map();
    form.querySelectorAll("[data-figure]").forEach(function (field) {
      if (field.disabled) return;
      var row = field.closest("[data-label]");
      var key = row || field;
      if (!byKey.has(key)) {
        var label = row ? row.dataset.label : field.getAttribute("aria-label") || field.name;
        var group = { label: label, filled: false };
        byKey.set(key, group);
        groups.push(group);
      }
      if (field.value.trim() !== "") byKey.get(key).filled = true;
    });
    return groups.filter(function (group) { return !group.filled; }).map(function (group) { return group.label; });
  }

  function confirmDialog() {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-submit";
    dialog.setAttribute("aria-labelledby", "confirm-submit-title");
    dialog.innerHTML =
      '<h2 id="confirm-submit-title">确认送审？</h2>' +
      '<p class="confirm-summary"></p><ul class="confirm-empty"></ul>' +
      '<p class="muted">送审后，在审核人退回或重新打开之前不能再修改。</p>' +
      '<form method="dialog" class="confirm-actions">' +
      '<button type="submit" value="cancel" class="secondary">取消</button> ' +
      '<button type="submit" value="confirm" class="primary">确认送审</button></form>';
    document.body.appendChild(dialog);
    return dialog;
  }

  /* 送审 asks first and lists the inputs still empty; cancelling sends nothing. */
  function confirmSubmit(form) {
    var dialog = null;
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (confirmed || !button || button.value !== "submit") return;
      event.preventDefault();
      dialog = dialog || confirmDialog();
      var empty = emptyEntries(form);
      dialog.querySelector(".confirm-summary").textContent = empty.length
        ? "以下 " + empty.length + " 项尚未填写："
        : "所有指标均已填写。";
      var list = dialog.querySelector(".confirm-empty");
      list.replaceChildren();
      empty.forEach(function (label) {
        var item = document.createElement("li");
        item.textContent = label;
        list.appendChild(item);
      });
      dialog.onclose = function () {
        if (dialog.returnValue !== "confirm") { button.focus(); return; }
        confirmed = true;
        form.requestSubmit(button);
      };
      dialog.returnValue = "";
      dialog.showModal();
      dialog.querySelector("button[value=cancel]").focus();
    });
  }

  /* A merged 一级/二级 cell (rowspan) moves to the first row of its group still shown and spans
     the rows shown, so the table keeps its shape however it is filtered. */
  function mergedCells(rows) {
    var cells = [];
    rows.forEach(function (row, index) {
      row.querySelectorAll(":scope > th.level1, :scope > th.level2").forEach(function (cell) {
        if (cell.rowSpan > 1) {
          cells.push({ cell: cell, level1: cell.classList.contains("level1"), rows: rows.slice(index, index + cell.rowSpan) });
        }
      });
    });
    return cells;
  }

  function placeCell(merged) {
    var shown = merged.rows.filter(function (row) { return !row.hidden; });
    var row = shown[0] || merged.rows[0];
    var cell = merged.cell;
    if (cell.parentNode !== row) {
      var before = row.firstElementChild;
      if (!merged.level1) {
        var level1 = row.querySelector(":scope > th.level1");
        before = level1 ? level1.nextElementSibling : before;
      }
      row.insertBefore(cell, before);
    }
    cell.rowSpan = shown.length || merged.rows.length;
  }

  function rowFilter(box) {
    var rows = Array.prototype.slice.call(document.querySelectorAll(box.dataset.rows));
    if (!rows.length) return;
    var name = box.querySelector(".filter-name");
    var level = box.querySelector(".filter-level");
    var count = box.querySelector(".filter-count");
    var seen = new Set();
    rows.forEach(function (row) {
      var keys = [row.dataset.l1, row.dataset.l1 + "\u203a" + row.dataset.l2];
      keys.forEach(function (key, depth) {
        if (seen.has(key)) return;
        seen.add(key);
        var option = document.createElement("option");
        option.value = key;
        option.textContent = depth ? "\u3000" + row.dataset.l2 : row.dataset.l1;
        level.appendChild(option);
      });
    });
    var merged = [];
    var bodies = new Set(rows.map(function (row) { return row.parentNode; }));
    bodies.forEach(function (body) {
      merged = merged.concat(mergedCells(rows.filter(function (row) { return row.parentNode === body; })));
    });

    function apply() {
      var words = name.value.trim().toLowerCase();
      var chosen = level.value;
      var shown = 0;
      rows.forEach(function (row) {
        var match =
          (!words || (row.dataset.name || "").toLowerCase().indexOf(words) !== -1) &&
          (!chosen || row.dataset.l1 === chosen || row.dataset.l1 + "\u203a" + row.dataset.l2 === chosen);
        row.hidden = !match;
        if (match) shown += 1;
      });
      merged.forEach(placeCell);
      count.textContent = shown === rows.length ? "共 " + rows.length + " 项" : "显示 " + shown + " / " + rows.length + " 项";
    }

    name.addEventListener("input", apply);
    level.addEventListener("change", apply);
    box.hidden = false;
    apply();
  }

  /* What was typed into a long form is one stray click (a link in the top bar) from being lost:
     leaving asks first while something is unsaved. A page shown again with an error summary holds
     typed values the server did not save, so it starts unsaved. Sending the form is not leaving
     it, unless another handler (送审's confirmation) held the sending back. The row filter's
     inputs are not the form's data. */
  function warnUnsaved(form) {
    var unsaved = document.getElementById("error-summary") !== null;
    function typed(event) {
      if (!event.target.closest(".row-filter")) unsaved = true;
    }
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) unsaved = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved) return;
      event.preventDefault();
      event.returnValue = ""; // what Chromium still reads to show its prompt
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".row-filter[data-rows]").forEach(rowFilter);
    document.querySelectorAll("form[data-confirm-submit]").forEach(confirmSubmit);
    // After confirmSubmit: its handler runs first and may hold the sending back.
    document.querySelectorAll("form[data-warn-unsaved]").forEach(warnUnsaved);
    errorSummary();
  });
})();
