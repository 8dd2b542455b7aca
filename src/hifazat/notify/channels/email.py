"""Email over SMTP (STARTTLS and login optional). The Message-ID derives from the idempotency key, so a
resent message is recognisably the same one to mail clients and archives."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from hifazat.config import Settings
from hifazat.notify.channels import Job, SendError


def message_id(job: Job) -> str:
    return f"<{hashlib.sha256(job.idempotency_key.encode()).hexdigest()[:32]}@hifazat>"


def build(job: Job, settings: Settings) -> EmailMessage:
    msg = job.message()
    em = EmailMessage()
    em["From"] = settings.smtp_from
    em["To"] = job.address
    em["Subject"] = f"[Hifazat {job.severity.upper()}] {msg['title']}"
    em["Message-ID"] = message_id(job)
    em["X-Hifazat-Idempotency-Key"] = job.idempotency_key
    lines = [
        str(msg["title"]),
        "",
        f"Severity: {job.severity}",
        f"Topic: {job.topic} ({job.reason})",
        f"Record: {job.ref_kind} {job.ref_id}",
        f"Raised: {msg['created_at']}",
        "",
    ]
    for k, v in sorted(msg["data"].items()):
        if v is not None and k != "title":
            lines.append(f"{k}: {v}")
    em.set_content("\n".join(lines) + "\n")
    return em


def send(job: Job, settings: Settings) -> None:
    """Blocking send (the worker runs it in a thread)."""
    if not settings.smtp_host:
        raise SendError("SMTP is not configured (HIFAZAT_SMTP_HOST)", permanent=True)
    em = build(job, settings)
    timeout = settings.notify_send_timeout_seconds
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password is not None:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(em)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [c for c, _ in exc.recipients.values()]
        raise SendError(f"recipient refused: {codes}", permanent=all(500 <= c < 600 for c in codes)) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500], permanent=500 <= exc.smtp_code < 600
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}"[:500]) from exc
