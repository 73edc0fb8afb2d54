"""Staff accounts of the console: argon2 password hashes, roles, nothing else about the person."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records.models import StaffAccount, StaffRole, utcnow

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """Said to the person as it is (in Spanish, the console's language)."""


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 200 or " " in email:
        raise AccountError("Escriba un correo electrónico válido.")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")


def find(session: Session, email: str) -> StaffAccount | None:
    return session.scalars(select(StaffAccount).where(StaffAccount.email == email.strip().lower())).first()


def create(
    session: Session, email: str, password: str, role: StaffRole = StaffRole.staff, name: str = ""
) -> StaffAccount:
    email = normal_email(email)
    check_password(password)
    if find(session, email) is not None:
        raise AccountError(f"Ya existe una cuenta para {email}.")
    account = StaffAccount(email=email, name=name.strip(), role=role, password_hash=_hasher.hash(password))
    session.add(account)
    session.flush()
    return account


def set_password(session: Session, account: StaffAccount, password: str) -> None:
    check_password(password)
    account.password_hash = _hasher.hash(password)


def authenticate(session: Session, email: str, password: str) -> StaffAccount | None:
    """The active account with this e-mail and password, else None (never says which was wrong)."""
    account = find(session, email)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    if _hasher.check_needs_rehash(account.password_hash):  # parameters raised since it was set
        account.password_hash = _hasher.hash(password)
    account.last_login_at = utcnow()
    return account


def active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(StaffAccount)
            .where(StaffAccount.role == StaffRole.admin, StaffAccount.active.is_(True))
        )
        or 0
    )
