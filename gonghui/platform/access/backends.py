"""Authentication backend: passwords for staff and partner accounts only.

Members never log in with a password; they use phone + SMS code (portal), which calls
``login()`` with this backend after verifying the code. Permissions come from grants via
``User.has_perm``; Django's group and user permission tables are not used.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class GrantBackend(ModelBackend):
    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        # Every signed-in request loads its user: the query is compiled once (bench B5).
        from gonghui.platform.security.prepared import load_user

        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.kind == "member":
            return None
        return user

    def get_all_permissions(self, user_obj, obj=None):
        from gonghui.platform.access.scoping import user_permissions

        return set(user_permissions(user_obj))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)
