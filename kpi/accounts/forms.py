"""Forms of the accounts feature."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), Length(max=100, message="用户名最多 100 个字符")]
    )
    password = PasswordField(
        "密码", validators=[DataRequired("请输入密码"), Length(max=128, message="密码最多 128 个字符")]
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码")])
    confirm = PasswordField(
        "确认新密码", validators=[DataRequired("请再次输入新密码"), EqualTo("new", "两次输入的新密码不一致")]
    )
