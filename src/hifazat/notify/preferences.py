"""A user's notification preferences: channels per topic and severity, email address, quiet hours."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hifazat.auth.models import User
from hifazat.auth.policy import Principal, can_administer
from hifazat.core.errors import not_found
from hifazat.notify.models import NotificationPreference
from hifazat.notify.schemas import (
    DEFAULT_CHANNELS,
    PreferencesIn,
    PreferencesOut,
)
from hifazat.platform.audit.writes import (
    NO_EVENT,
    audited_create,
    audited_update,
)

PREFS_KIND = "notification_preferences"


def _target_user(session: Session, principal: Principal, user_id: str | None, *, write: bool) -> User:
    uid = user_id or principal.user_id
    if uid is None:
        raise not_found("user")
    user = session.get(User, uid)
    if user is None or user.deleted_at is not None:
        raise not_found("user")
    if uid == principal.user_id:
        return user
    if not (principal.has("admin") and can_administer(principal, user.agency_id)):
        # Another agency's user, or a non-admin asking about someone else: the same 404 as absent.
        if principal.has("admin", "auditor") and not write and can_administer(principal, user.agency_id):
            return user
        raise not_found("user")
    return user


def get_preferences(session: Session, principal: Principal, user_id: str | None = None) -> PreferencesOut:
    user = _target_user(session, principal, user_id, write=False)
    pref = session.get(NotificationPreference, user.id)
    return present_preferences(user, pref)


def present_preferences(user: User, pref: NotificationPreference | None) -> PreferencesOut:
    if pref is None:
        return PreferencesOut(
            user_id=user.id, email=None, channels=dict(DEFAULT_CHANNELS), effective_email=user.email
        )
    channels = dict(DEFAULT_CHANNELS)
    channels.update({k: v for k, v in pref.channels.items()})
    return PreferencesOut.model_validate(
        {
            "user_id": user.id,
            "email": pref.email,
            "channels": channels,
            "topics": pref.topics or {},
            "quiet_hours": pref.quiet_hours or None,
            "effective_email": pref.email or user.email,
            "alarm_sound": pref.alarm_sound,
        }
    )


def set_preferences(
    session: Session, principal: Principal, data: PreferencesIn, user_id: str | None = None
) -> PreferencesOut:
    user = _target_user(session, principal, user_id, write=True)
    pref = session.get(NotificationPreference, user.id)
    values = {
        "email": str(data.email) if data.email else None,
        "channels": {k: v.model_dump() for k, v in data.channels.items()},
        "topics": {k: list(v) for k, v in data.topics.items()},
        "quiet_hours": data.quiet_hours.model_dump() if data.quiet_hours else {},
        "alarm_sound": data.alarm_sound,
    }
    if pref is None:
        pref = NotificationPreference(user_id=user.id, agency_id=user.agency_id, **values)
        audited_create(
            session, pref, kind=PREFS_KIND, principal=principal, subject=NO_EVENT, entity_id=user.id
        )
    else:
        audited_update(
            session, pref, values, kind=PREFS_KIND, principal=principal, subject=NO_EVENT, entity_id=user.id
        )
    return present_preferences(user, pref)


def alarm_sound(session: Session, principal: Principal) -> bool:
    """Whether the inbox should sound for this user (on unless they muted it)."""
    pref = session.get(NotificationPreference, principal.user_id) if principal.user_id else None
    return True if pref is None else pref.alarm_sound
