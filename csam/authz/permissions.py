"""django-guardian object permissions of access managers: the one place that reads and writes
them (ruff's banned-api keeps ``guardian.shortcuts`` here).

The designations (`companies.models.AccessManager`, with their periods and history) say who was
designated; the object permissions are what a designated person's account *holds* now:
- ``companies.manage_all_access`` on the `Company` (main and co-main managers);
- ``companies.manage_domain_access`` on the `CompanyDomain` (managers of one domain).
`manager_permissions_sync` makes the second match the first for one person and company. It runs
after every designation change, when a person starts acting for a company (so an account made
after the designation gets its permissions), and daily for designations that start or end.
The engine requires both the permission and a current designation, so a missed sync can only
deny, never allow.
"""

from __future__ import annotations

from django.db import transaction

from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, remove_perm

from companies.models import AccessManager, AccessManagerKind, Company, CompanyDomain
from identity.models import User

MANAGE_ALL = "companies.manage_all_access"
MANAGE_DOMAIN = "companies.manage_domain_access"
MAIN_KINDS = (AccessManagerKind.MAIN, AccessManagerKind.CO_MAIN)
DOMAIN_KINDS = (AccessManagerKind.DOMAIN, AccessManagerKind.CO_DOMAIN)


@transaction.atomic
def manager_permissions_sync(*, person_id: int, company: Company) -> None:
    """Give or take the person's account the manager permissions its current designations in
    ``company`` call for. A person without an account is skipped (synced when they act)."""
    user = User.objects.filter(person_id=person_id).first()
    if user is None:
        return
    current = list(AccessManager.objects.current().for_tenant(company).filter(person_id=person_id))
    checker = ObjectPermissionChecker(user)
    wants_all = any(d.kind in MAIN_KINDS for d in current)
    has_all = checker.has_perm(MANAGE_ALL.split(".")[1], company)
    if wants_all and not has_all:
        assign_perm(MANAGE_ALL, user, company)
    elif has_all and not wants_all:
        remove_perm(MANAGE_ALL, user, company)
    wanted_domains = {d.domain_id for d in current if d.kind in DOMAIN_KINDS}
    for domain_id in wanted_domains:
        CompanyDomain.objects.get_or_create(company=company, domain_id=domain_id)
    for company_domain in CompanyDomain.objects.filter(company=company):
        holds = checker.has_perm(MANAGE_DOMAIN.split(".")[1], company_domain)
        if company_domain.domain_id in wanted_domains and not holds:
            assign_perm(MANAGE_DOMAIN, user, company_domain)
        elif holds and company_domain.domain_id not in wanted_domains:
            remove_perm(MANAGE_DOMAIN, user, company_domain)


def user_manages_all(*, user: User, company: Company) -> bool:
    return ObjectPermissionChecker(user).has_perm("manage_all_access", company)


def user_managed_domain_ids(*, user: User, company: Company) -> set[int]:
    """The domains of ``company`` whose access the user's account holds the permission for."""
    checker = ObjectPermissionChecker(user)
    company_domains = list(CompanyDomain.objects.filter(company=company))
    checker.prefetch_perms(company_domains)
    return {cd.domain_id for cd in company_domains if checker.has_perm("manage_domain_access", cd)}
