"""Does every form say in Chinese what is wrong, whatever is typed or forged into any field?

WTForms speaks English by default ("Not a valid decimal value.", "Not a valid choice.", "Field
cannot be longer than 100 characters."); a field that keeps a default shows it on a Chinese page.
This walks every FlaskForm in the kpi package, fills every field with each junk text and checks
each message the form gives back.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import kpi

JUNK = ("abc", "\x00", "9" * 400, "-1e999999", "nan", "-1", "1.5")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def kpi_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(kpi.__path__, "kpi."):
        importlib.import_module(module.name)
    found, pending = [], [FlaskForm]
    while pending:
        for form in pending.pop().__subclasses__():
            pending.append(form)
            if form.__module__.startswith("kpi."):
                found.append(form)
    return sorted(set(found), key=lambda form: (form.__module__, form.__name__))


def test_every_message_of_every_form_is_in_chinese(app):
    forms = kpi_forms()
    assert len(forms) >= 8, [form.__name__ for form in forms]  # the walk found the forms
    english = []
    with app.test_request_context():
        for form_class in forms:
            names = list(form_class(meta={"csrf": False})._fields)
            for junk in JUNK:
                form = form_class(formdata=MultiDict(dict.fromkeys(names, junk)), meta={"csrf": False})
                form.validate()
                english += [
                    (form_class.__name__, field, junk[:12], str(message))
                    for field, messages in form.errors.items()
                    for message in messages
                    if not CHINESE.search(str(message))
                ]
    assert english == []


def test_a_text_that_is_no_number_gets_one_message(app):
    from kpi.indicators.forms import IndicatorForm

    with app.test_request_context():
        form = IndicatorForm(formdata=MultiDict({"points": "abc"}), meta={"csrf": False})
        form.validate()
    assert form.errors["points"] == ["应为数字"]
