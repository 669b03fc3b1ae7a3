"""Admin forms (Flask-WTF: CSRF included)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # GET search forms change nothing

    q = StringField("Search")
