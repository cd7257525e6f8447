"""Forms of the admin's account and unit pages (CSRF by Flask-WTF, as every form).

They check only shape and length; the rules themselves (username, role and unit, password
policy, unique names, the 主管部门 tree) are the services' (kpi.accounts.service,
kpi.budget.service), the same for the CLI, and come back by field. Choices are not validated
by the select fields (their message is English): the services refuse an unknown role or unit.
"""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

from kpi.accounts.roles import ROLE_LABELS

ROLE_CHOICES = [SelectChoice("", "请选择")] + [
    SelectChoice(code, f"{label}（{code}）") for code, label in ROLE_LABELS.items()
]


def unit_choices(names: list[str]) -> list[SelectChoice]:
    return [SelectChoice("", "（无：财政局、管理员）")] + [SelectChoice(name, name) for name in names]


class _AccountFields(FlaskForm):
    display_name = StringField("姓名（显示名称）", validators=[Optional(), Length(max=100, message="最多 100 字")])
    email = StringField("邮箱（接收提醒）", validators=[Optional(), Length(max=254, message="最多 254 个字符")])
    role = SelectField("角色", choices=ROLE_CHOICES, validate_choice=False, validators=[DataRequired("请选择角色")])
    unit = SelectField("所属单位（填报人、审核人必填）", validate_choice=False)


def _new_password_fields(label: str):
    password = PasswordField(
        label, validators=[DataRequired("请输入密码"), Length(max=128, message="密码不能超过 128 位")]
    )
    confirm = PasswordField(
        "确认密码", validators=[DataRequired("请再次输入密码"), EqualTo("password", "两次输入的密码不一致")]
    )
    return password, confirm


class NewUserForm(_AccountFields):
    username = StringField(
        "用户名",
        validators=[DataRequired("请输入用户名"), Length(min=2, max=100, message="用户名为 2–100 位")],
    )
    password, confirm = _new_password_fields("初始密码")
    must_change = BooleanField("首次登录时须修改密码", default=True)


class EditUserForm(_AccountFields):
    pass


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields("临时密码")


class ActiveForm(FlaskForm):
    """停用 or 启用: `active` is "0" or "1"."""

    active = HiddenField(validators=[AnyOf(["0", "1"], message="无效的操作")])


class UnitForm(FlaskForm):
    name = StringField(
        "单位名称", validators=[DataRequired("请填写单位名称"), Length(max=200, message="单位名称不能超过 200 字")]
    )
    parent = SelectField("主管部门", validate_choice=False)


def parent_choices(units) -> list[SelectChoice]:
    return [SelectChoice("", "（无）")] + [SelectChoice(str(unit.id), unit.name) for unit in units]
