"""The nurses' and clinicians' accounts, each with its own password, in the review database
(REVIEW_DB_URL, table staff_accounts). Passwords are hashed with Argon2id (argon2-cffi's
PasswordHasher: a random salt each, its costs kept in the hash); a password is never stored,
logged or shown.

    python -m webapp.accounts add --name "Ann Lee" --role clinician
    python -m webapp.accounts list
    python -m webapp.accounts password --name "Ann Lee"
    python -m webapp.accounts disable --name "Ann Lee"

(`make staff-account` runs it.) The password is asked for twice, unseen; scripts give it in
STAFF_PASSWORD, or on standard input when it is not a terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import re
import sys
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.review.signoff import ROLES
from webapp.review_db import ACCOUNTS, ReviewDatabase
from webapp.settings import load_settings

MIN_PASSWORD = 12
MAX_NAME = 100
PASSWORD_VARIABLE = "STAFF_PASSWORD"
HASHER = PasswordHasher()
# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_NOBODY = HASHER.hash("no account has this password")


class AccountProblem(ValueError):
    """An account that cannot be made or changed, with what to tell the person."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountProblem(
            f"Please choose a password of at least {MIN_PASSWORD} characters: a few words "
            "that mean something to you only are easy to remember and hard to guess."
        )


def _tidy_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise AccountProblem("Please give the person's name, as decisions and sign-offs show it.")
    if len(name) > MAX_NAME:
        raise AccountProblem(f"Please keep the name under {MAX_NAME} characters.")
    return name


class Accounts:
    def __init__(self, review: ReviewDatabase) -> None:
        self.review = review

    def add(self, name: str, role: str, password: str) -> Account:
        name = _tidy_name(name)
        if role not in ROLES:
            raise AccountProblem(f"The role is one of: {', '.join(ROLES)}.")
        check_password(password)
        self.review.create_tables()
        try:
            with self.review.engine.begin() as connection:
                connection.execute(
                    sa.insert(ACCOUNTS).values(
                        name=name,
                        role=role,
                        password_hash=HASHER.hash(password),
                        created_at=dt.datetime.now(dt.timezone.utc),
                        disabled=False,
                    )
                )
        except sa.exc.IntegrityError:
            raise AccountProblem(f"There is already an account named {name!r}.") from None
        return Account(name, role)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._change(name, password_hash=HASHER.hash(password))

    def disable(self, name: str) -> None:
        """The account can no longer sign in, and its open sessions end."""
        self._change(name, disabled=True)

    def _change(self, name: str, **values) -> None:
        self.review.create_tables()
        with self.review.engine.begin() as connection:
            changed = connection.execute(
                sa.update(ACCOUNTS).where(ACCOUNTS.c.name == _tidy_name(name)).values(**values)
            ).rowcount
        if not changed:
            raise AccountProblem(f"There is no account named {name!r}.")

    def listing(self) -> list[dict]:
        self.review.create_tables()
        query = sa.select(
            ACCOUNTS.c.name, ACCOUNTS.c.role, ACCOUNTS.c.created_at, ACCOUNTS.c.disabled
        ).order_by(ACCOUNTS.c.name)
        with self.review.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def _row(self, name: str):
        self.review.create_tables()
        with self.review.engine.connect() as connection:
            return (
                connection.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.name == name))
                .mappings()
                .first()
            )

    def active(self, name: str) -> Account | None:
        """The account of that name, if it may sign in (it exists and is not disabled)."""
        row = self._row(name)
        return Account(row["name"], row["role"]) if row and not row["disabled"] else None

    def verify(self, name: str, password: str) -> Account | None:
        """The account, when the name and password are right and it is not disabled; None
        otherwise, whichever was wrong."""
        row = self._row(re.sub(r"\s+", " ", name).strip())
        try:
            HASHER.verify(row["password_hash"] if row else _NOBODY, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        if HASHER.check_needs_rehash(row["password_hash"]):  # the costs were raised since
            self._change(row["name"], password_hash=HASHER.hash(password))
        return Account(row["name"], row["role"])


def read_password(ask=getpass.getpass) -> str:
    """STAFF_PASSWORD, else a line of standard input when it is not a terminal, else asked for
    twice without showing it."""
    if os.environ.get(PASSWORD_VARIABLE):
        return os.environ[PASSWORD_VARIABLE]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = ask("Password: ")
    check_password(password)
    if ask("The same password again: ") != password:
        raise AccountProblem("The two passwords differ: nothing was changed.")
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m webapp.accounts", description="Nurses' and clinicians' accounts."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="a new account")
    add.add_argument("--name", required=True, help='as shown on decisions, e.g. "Ann Lee"')
    add.add_argument("--role", required=True, choices=ROLES)
    commands.add_parser("list", help="every account, with its role and whether it is disabled")
    for command, words in (
        ("password", "set a new password"),
        ("disable", "stop an account signing in"),
    ):
        commands.add_parser(command, help=words).add_argument("--name", required=True)
    args = parser.parse_args(argv)

    accounts = Accounts(ReviewDatabase(load_settings().review_db_url))
    try:
        if args.command == "add":
            account = accounts.add(args.name, args.role, read_password())
            print(f"Added {account.name} ({account.role}).")
        elif args.command == "password":
            accounts.set_password(args.name, read_password())
            print(f"New password set for {args.name}.")
        elif args.command == "disable":
            accounts.disable(args.name)
            print(f"{args.name} can no longer sign in.")
        else:
            for row in accounts.listing():
                state = "disabled" if row["disabled"] else "active"
                print(f"{row['name']}\t{row['role']}\t{state}\tadded {row['created_at']:%Y-%m-%d}")
    except AccountProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
