"""Who holds which role, granting by one-time link or on the server, and the permission check."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from bot.communes import Commune, Communes
from bot.errors import DomainError, InvitationInvalid, NotAllowed, UnknownChoice
from bot.i18n import N_
from bot.roles import ADMIN, CHAIR, CHAIR_RANKS, HAMLET_HEAD, OFFICE, OFFICER, PERMISSIONS, ROLES, Actor
from bot.text import clean
from storage import audit, outbox, people, staff
from storage.database import Database, utc_now
from storage.records import RoleGrant
from storage.records import Person

INVITATION_LIFETIME = timedelta(hours=72)
MAX_BODY_LENGTH = 60


class BodyNameInvalid(DomainError):
    message = N_("Please type the name of the body in 2 to %(limit)d characters, for example “Phòng Kinh tế”.")


class StaffService:
    def __init__(self, database: Database, communes: Communes, admin_ids: frozenset[int] = frozenset()) -> None:
        self._database = database
        self._communes = communes
        self._admin_ids = admin_ids  # Telegram ids of the deployment's admins (ADMIN_TELEGRAM_IDS)

    # --- who is acting ----------------------------------------------------------------------

    async def actor(self, channel: str, external_id: str, display_name: str | None = None, *,
                    writing: bool = False, username: str | None = None) -> Actor | None:
        """The person with the roles they hold in their commune; None for someone the bot never met.

        `writing`: the person is the one writing now, so messages reach them from now on (officials
        granted on the server are marked "has not opened the bot" until then)."""
        async with self._database.read() as db:
            person = await people.get_person(db, channel, external_id)
            if person is None:
                if not self._is_env_admin(channel, external_id):
                    return None
            grants = await staff.live_roles(db, person.id) if person else []
            resident = await people.get_resident(db, person.id) if person else None
            started, known_username = await staff.seen(db, person.id) if person else (None, None)
            chosen = await staff.active_commune(db, person.id) if person else None
        if person is None:
            async with self._database.transaction() as db:
                person = await people.upsert_person(db, channel, external_id, "vi")
        if writing and (started is None or known_username != username):
            async with self._database.transaction() as db:
                await staff.mark_started(db, person.id, username)
        env_admin = self._is_env_admin(channel, external_id)
        commune_id = (
            chosen if chosen is not None and (env_admin or any(g.commune_id == chosen for g in grants))
            and self._communes.get(chosen) is not None
            else grants[0].commune_id if grants
            else resident.commune_id if resident
            else self._communes.items[0].id
        )
        mine = [g for g in grants if g.commune_id == commune_id]
        roles = {g.role for g in mine}
        if self._is_env_admin(channel, external_id):
            roles.add(ADMIN)
        body = next((g.body for g in mine if g.role == OFFICER), None)
        hamlet_id = next((g.hamlet_id for g in mine if g.role == HAMLET_HEAD), None)
        name = next((g.display_name for g in mine if g.display_name), None) or (resident.display_name if resident else display_name)
        return Actor(person.id, commune_id, person.locale, frozenset(roles), body, hamlet_id, name)

    # --- a province of communes ----------------------------------------------------------------

    async def communes_of(self, channel: str, external_id: str) -> list[str]:
        """The communes a person may work in: where they hold a role (a deployment's admin: all)."""
        if self._is_env_admin(channel, external_id):
            return [c.id for c in self._communes.items]
        async with self._database.read() as db:
            person = await people.get_person(db, channel, external_id)
            grants = await staff.live_roles(db, person.id) if person else []
        held = {g.commune_id for g in grants}
        return [c.id for c in self._communes.items if c.id in held]

    async def switch_commune(self, actor: Actor | None, channel: str, external_id: str, commune_id: str) -> Actor:
        """/commune: from now on the official works in this commune, with the roles they hold there."""
        if actor is None or not actor.is_official:
            raise NotAllowed(roles=tuple(ROLES))
        if commune_id not in await self.communes_of(channel, external_id):
            raise UnknownChoice()
        async with self._database.transaction() as db:
            await staff.set_active_commune(db, actor.person_id, commune_id)
            await audit.record(db, commune_id=commune_id, actor_person_id=actor.person_id, action="commune.switched",
                               subject_type="person", subject_id=actor.person_id, details={"from": actor.commune_id})
        switched = await self.actor(channel, external_id)
        assert switched is not None
        return switched

    def _is_env_admin(self, channel: str, external_id: str) -> bool:
        return channel == "telegram" and external_id.isdigit() and int(external_id) in self._admin_ids

    async def require(self, actor: Actor | None, action: str) -> Actor:
        """The permission check every official action goes through. A refusal is audited and changes nothing."""
        allowed = PERMISSIONS[action]
        if actor is not None and actor.may(action):
            return actor
        async with self._database.transaction() as db:
            # Someone the bot never met is audited too, without an identity to attach.
            await audit.record(db, commune_id=actor.commune_id if actor else None,
                               actor_person_id=actor.person_id if actor else None,
                               action="refused", subject_type="action", subject_id=None,
                               details={"action": action, "roles": sorted(actor.roles)} if actor
                               else {"action": action, "stranger": True})
        raise NotAllowed(roles=tuple(r for r in ROLES if r in allowed))

    # --- granting ---------------------------------------------------------------------------

    def _check_grant(self, commune_id: str, role: str, body: str | None, hamlet_id: str | None) -> tuple[str | None, str | None]:
        commune = self._communes.get(commune_id)
        if commune is None or role not in ROLES:
            raise UnknownChoice()
        if role == OFFICER:
            body = " ".join((body or "").split())
            if not 2 <= len(body) <= MAX_BODY_LENGTH:
                raise UnknownChoice()
            known = commune.body(body)  # a body of the commune's settings is stored by its Vietnamese name
            return (known.name.vi if known else body), None
        if role == HAMLET_HEAD:
            if commune.hamlet(hamlet_id) is None:
                raise UnknownChoice()
            return None, hamlet_id
        if role == CHAIR and body in CHAIR_RANKS:  # the Chairman or a Vice-chairman
            return body, None
        return None, None

    async def invite(self, actor: Actor, role: str, *, body: str | None = None, hamlet_id: str | None = None) -> str:
        """A one-time link token for a role in the admin's commune: single use, 72 hours, revocable."""
        await self.require(actor, "grant")
        body, hamlet_id = self._check_grant(actor.commune_id, role, body, hamlet_id)
        token = secrets.token_urlsafe(18)
        expires = (datetime.now(timezone.utc) + INVITATION_LIFETIME).replace(microsecond=0).isoformat()
        async with self._database.transaction() as db:
            await staff.create_invitation(db, token=token, commune_id=actor.commune_id, role=role, body=body,
                                          hamlet_id=hamlet_id, created_by=actor.person_id, expires_at=expires)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="role.invited",
                               subject_type="invitation", subject_id=None,
                               details={"role": role, "body": body, "hamlet": hamlet_id, "token_tail": token[-4:]})
        return token

    async def accept(self, channel: str, external_id: str, token: str, *, display_name: str, locale: str,
                     username: str | None = None) -> RoleGrant:
        """Use an invitation link: the role is granted once, and its creator is told."""
        display_name = clean(display_name, single_line=True)[:80] or None
        async with self._database.transaction() as db:
            invitation = await staff.usable_invitation(db, token, utc_now())
            if invitation is None:
                raise InvitationInvalid()
            person = await people.get_person(db, channel, external_id) or await people.upsert_person(db, channel, external_id, locale)
            await staff.set_name(db, person.id, display_name)
            await staff.mark_started(db, person.id, username)
            if not await staff.use_invitation(db, token, person.id):
                raise InvitationInvalid()
            grant_id = await staff.grant(db, commune_id=invitation["commune_id"], person_id=person.id, role=invitation["role"],
                                         body=invitation["body"], hamlet_id=invitation["hamlet_id"], granted_by=invitation["created_by"])
            await audit.record(db, commune_id=invitation["commune_id"], actor_person_id=person.id, action="role.granted",
                               subject_type="role", subject_id=grant_id,
                               details={"role": invitation["role"], "via": "invitation", "by": invitation["created_by"]})
            if invitation["created_by"]:
                await outbox.enqueue(db, invitation["created_by"], "role_accepted", name=display_name,
                                     username=username, external_id=external_id,
                                     role=invitation["role"], body=invitation["body"], hamlet=invitation["hamlet_id"])
            grant = await staff.grant_by_id(db, grant_id)
        assert grant is not None
        return grant

    async def grant_on_server(self, channel: str, external_id: str, *, commune_id: str, role: str,
                              body: str | None = None, hamlet_id: str | None = None,
                              display_name: str | None = None) -> RoleGrant:
        """`python -m bot grant`: whoever runs the server may grant directly. The name is the one the
        commune knows the person by (shown in pickers before they ever open the bot)."""
        body, hamlet_id = self._check_grant(commune_id, role, body, hamlet_id)
        name = " ".join((display_name or "").split())[:80]
        async with self._database.transaction() as db:
            person = await people.get_person(db, channel, external_id) or await people.upsert_person(db, channel, external_id, "vi")
            if name:
                await staff.set_name(db, person.id, name)
            grant_id = await staff.grant(db, commune_id=commune_id, person_id=person.id, role=role, body=body,
                                         hamlet_id=hamlet_id, granted_by=None)
            await audit.record(db, commune_id=commune_id, actor_person_id=None, action="role.granted",
                               subject_type="role", subject_id=grant_id, details={"role": role, "via": "server"})
            grant = await staff.grant_by_id(db, grant_id)
        assert grant is not None
        return grant

    async def revoke(self, actor: Actor, grant_id: int) -> RoleGrant:
        await self.require(actor, "revoke")
        async with self._database.transaction() as db:
            grant = await staff.grant_by_id(db, grant_id)
            if grant is None or grant.commune_id != actor.commune_id or not await staff.revoke(db, grant_id, actor.person_id):
                raise UnknownChoice()
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="role.revoked",
                               subject_type="role", subject_id=grant_id, details={"role": grant.role})
            await outbox.enqueue(db, grant.person_id, "role_revoked", role=grant.role, body=grant.body, hamlet=grant.hamlet_id)
            if grant.role == OFFICER:
                await self._report_orphaned_tasks(db, grant)
        return grant

    async def _report_orphaned_tasks(self, db, grant: RoleGrant) -> None:
        """An officer's open tasks would stay with someone who can no longer act: the office must reassign them."""
        codes = await staff.open_task_codes(db, grant.person_id, grant.commune_id)
        if not codes:
            return
        for office in await staff.holders(db, grant.commune_id, OFFICE):
            await outbox.enqueue(db, office.person_id, "tasks_orphaned", name=grant.display_name or "—",
                                 body=grant.body, codes=codes)

    async def revoke_invitation(self, actor: Actor, token: str) -> None:
        await self.require(actor, "grant")
        async with self._database.transaction() as db:
            if not await staff.revoke_invitation(db, token, actor.commune_id):
                raise InvitationInvalid()
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="role.invitation_revoked",
                               subject_type="invitation", subject_id=None, details={"token_tail": token[-4:]})

    async def staff(self, actor: Actor) -> tuple[list[RoleGrant], list[dict]]:
        """Who holds what in the admin's commune, and the invitation links still open."""
        await self.require(actor, "staff")
        async with self._database.read() as db:
            return await staff.holders(db, actor.commune_id), await staff.open_invitations(db, actor.commune_id, utc_now())

    async def holders(self, commune_id: str, role: str) -> list[RoleGrant]:
        """People holding a role (to choose an officer or a chair from); not a secret among officials."""
        async with self._database.read() as db:
            return await staff.holders(db, commune_id, role)

    # --- for the administrator's screens ---------------------------------------------------------

    async def grant_options(self, actor: Actor | None) -> tuple[tuple[str, ...], Commune]:
        """The roles an admin may grant and the commune whose hamlets a hamlet head may head."""
        actor = await self.require(actor, "grant")
        commune = self._communes.get(actor.commune_id)
        assert commune is not None
        return ROLES, commune

    @staticmethod
    def body_name(text: str | None) -> str:
        """The officer's body as typed, tidied; refused when empty or too long."""
        body = clean(text, single_line=True)
        if not 2 <= len(body) <= MAX_BODY_LENGTH:
            raise BodyNameInvalid(limit=MAX_BODY_LENGTH)
        return body

    async def revocable(self, actor: Actor | None) -> tuple[list[RoleGrant], list[dict]]:
        """What an admin may withdraw in their commune: the roles held and the links not used yet."""
        actor = await self.require(actor, "revoke")
        async with self._database.read() as db:
            return await staff.holders(db, actor.commune_id), await staff.open_invitations(db, actor.commune_id, utc_now())

    async def person(self, person_id: int) -> Person | None:
        """Where to reach someone (channel, id, language), e.g. to reset their menu after a revoke."""
        async with self._database.read() as db:
            return await staff.person(db, person_id)

    async def remember_name(self, channel: str, external_id: str, display_name: str) -> None:
        """An official granted on the server gets a name for the staff list the first time they write."""
        async with self._database.transaction() as db:
            await staff.name_if_unknown(db, channel, external_id, clean(display_name, single_line=True)[:80] or None)
