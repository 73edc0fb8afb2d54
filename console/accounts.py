"""Staff accounts (admin only): create, change role, deactivate, set a new password."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from records import staff
from records.models import StaffAccount, StaffRole

ROLES = {StaffRole.staff.value: "Funcionario/a", StaffRole.admin.value: "Administrador/a"}


@page(role=StaffRole.admin)
def account_list(ctx: Ctx) -> Response:
    accounts = ctx.db.scalars(select(StaffAccount).order_by(StaffAccount.active.desc(), StaffAccount.email)).all()
    return ctx.render("accounts.html", accounts=accounts, roles=ROLES)


@page(role=StaffRole.admin)
def account_new(ctx: Ctx) -> Response:
    role = ctx.field("role")
    if role not in ROLES:
        return ctx.back("/cuentas", "Rol desconocido.", "error")
    try:
        account = staff.create(ctx.db, ctx.field("email"), ctx.secret("password"), StaffRole(role), ctx.field("name"))
    except staff.AccountError as error:
        return ctx.back("/cuentas", str(error), "error")
    return ctx.back("/cuentas", f"Cuenta {account.email} creada. Entregue la contraseña en persona.")


@page(role=StaffRole.admin)
def account_save(ctx: Ctx) -> Response:
    account = ctx.db.get(StaffAccount, int(ctx.param("id")))
    if account is None:
        return ctx.render("missing.html", status_code=404)
    role, active = ctx.field("role"), ctx.field("active") == "1"
    if role not in ROLES:
        return ctx.back("/cuentas", "Rol desconocido.", "error")
    losing_admin = account.role is StaffRole.admin and account.active and (role != "admin" or not active)
    if losing_admin and staff.active_admins(ctx.db) <= 1:
        return ctx.back("/cuentas", "Debe quedar al menos una cuenta de administración activa.", "error")
    password = ctx.secret("password")
    if password:
        try:
            staff.set_password(ctx.db, account, password)
        except staff.AccountError as error:
            return ctx.back("/cuentas", str(error), "error")
    account.role, account.active = StaffRole(role), active
    return ctx.back("/cuentas", f"Cuenta {account.email} guardada.")


routes = [
    Route("/cuentas", account_list, methods=["GET"]),
    Route("/cuentas", account_new, methods=["POST"]),
    Route("/cuentas/{id:int}", account_save, methods=["POST"]),
]
