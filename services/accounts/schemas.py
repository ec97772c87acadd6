"""What crosses the wire into accounts. A password is 10 to 128 characters (NIST SP 800-63B:
length, not composition rules), of any script but without control characters; it is never
echoed in an error."""
from marshmallow import ValidationError, validates_schema

from services.accounts.domain import STAFF_ROLES
from shared.schemas import Email, Id, Items, Strict, Text, free_text, one_of, text

def password(**kwargs) -> Text:
    return Text(128, min_length=10, required=True, **kwargs)


def roles():
    return Items(one_of("role", STAFF_ROLES), max_items=len(STAFF_ROLES), required=True)


class SignUpSchema(Strict):
    email = Email(required=True)
    password = password()
    name = text(200)

    @validates_schema
    def password_not_email(self, data, **kwargs):
        if data.get("password", "").lower() == data.get("email", "").lower():
            raise ValidationError("must not be the e-mail address", "password")


class OpenAccountSchema(SignUpSchema):
    roles = roles()


class LogInSchema(Strict):
    email = Email(required=True)
    password = Text(128, required=True)  # an old, shorter password still logs in


class AccountIdSchema(Strict):
    account_id = Id(required=True)


class OwnPasswordSchema(Strict):
    old_password = Text(128, required=True)
    password = password()


class ChangePasswordSchema(OwnPasswordSchema, AccountIdSchema):
    pass


class ResetPasswordSchema(AccountIdSchema):
    password = password()


class SetRolesSchema(AccountIdSchema):
    roles = roles()


class ReasonSchema(AccountIdSchema):
    reason = free_text(500)
