"""Roles and what each may do. The one place that answers "may this user do that here?"."""

from __future__ import annotations

STAFF, REVIEWER, FINANCE, ADMIN = "staff", "reviewer", "finance", "admin"
ROLE_LABELS = {STAFF: "填报人", REVIEWER: "审核人", FINANCE: "财政局", ADMIN: "管理员"}
UNIT_ROLES = (STAFF, REVIEWER)  # scoped to one unit

# Unit permissions: "view" reads a unit's data; "enter" edits its results;
# "review" approves, returns and reopens its reports; "approve" approves (批复) or
# returns its 绩效目标调整, the one thing the finance bureau writes.
UNIT_PERMISSIONS = ("view", "enter", "review", "approve")


def can(role: str, user_unit_id: int | None, permission: str, unit_id: int | None = None) -> bool:
    """Whether a user with `role` (scoped to `user_unit_id`) has `permission` on `unit_id`."""
    if role == ADMIN:
        return True
    if permission == "admin":
        return False
    if permission == "finance":
        return role == FINANCE
    own_unit = unit_id is not None and user_unit_id == unit_id
    if permission == "view":
        return role == FINANCE or (role in UNIT_ROLES and own_unit)
    if permission == "enter":
        return role == STAFF and own_unit
    if permission == "review":
        return role == REVIEWER and own_unit
    if permission == "approve":
        return role == FINANCE
    return False
