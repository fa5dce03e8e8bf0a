from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Claims from the user row and its Django groups; a disabled user's refresh and bearer
    tokens are refused, as a real provider refuses a disabled account."""

    oidc_claim_scope = None

    def get_additional_claims(self, request) -> dict:
        user = request.user
        return {
            "email": user.email,
            "email_verified": user.last_name != "unverified",
            "preferred_username": user.username,
            "name": user.first_name,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and request.user.is_active

    def validate_bearer_token(self, token, scopes, request) -> bool:
        valid = super().validate_bearer_token(token, scopes, request)
        return valid and request.user.is_active
