"""Command-line tasks: `flask create-admin`, `import-deputies FILE`, `seed-demo`, `backup`, `restore`."""
from pathlib import Path

import click
from flask import Flask

from .errors import ServiceError
from .extensions import db
from .models import Role


def register_cli(app: Flask) -> None:
    """Attach the portal's commands to `flask`."""

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(username: str, name: str, password: str) -> None:
        """Create an administrator account."""
        from .accounts.services import create_user

        try:
            create_user(username, name, Role.ADMIN, password)
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        db.session.commit()
        click.echo(f"Administrator {username} created.")

    @app.cli.command("import-deputies")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_deputies_command(file: Path) -> None:
        """Import deputies from a CSV or XLSX file: all rows or none."""
        from .accounts.importing import import_deputies, read_rows

        try:
            result = import_deputies(read_rows(file.name, file.read_bytes()))
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        if result.errors:
            db.session.rollback()
            for error in result.errors:
                click.echo(f"line {error.line}: {error.reason}", err=True)
            raise click.ClickException(f"{len(result.errors)} bad rows; nothing was imported.")
        db.session.commit()
        for user, generated in result.created:
            click.echo(f"{user.username}\t{user.name}" + (f"\tpassword: {generated}" if generated else ""))
        click.echo(f"{len(result.created)} deputies imported.")

    @app.cli.command("import-ledger")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "username", required=True, help="The staff login the records are entered by.")
    @click.option("--dry-run", is_flag=True, help="Check every row and say what would be created; write nothing.")
    def import_ledger_command(file: Path, username: str, dry_run: bool) -> None:
        """Import the committee's ledgers (台账) from a CSV or XLSX file: all rows or none."""
        from sqlalchemy import select

        from .importing import read_sheets
        from .ledger.services import import_ledger, record_import
        from .models import Role, User

        actor = db.session.scalar(select(User).where(User.username == username))
        if actor is None or not actor.has_role(Role.STAFF):
            raise click.ClickException(f"{username} is not a staff login.")
        try:
            result = import_ledger(actor, read_sheets(file.name, file.read_bytes()))
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        for error in result.errors:
            click.echo(f"{error.sheet} line {error.line} {error.column}: {error.message}", err=True)
        for count in result.counts:
            click.echo(f"{count.kind.key}\tcreate {count.created}\talready present {count.present}")
        if result.errors or dry_run or not result.created:
            db.session.rollback()
            if result.errors:
                raise click.ClickException(f"{len(result.errors)} errors; nothing was imported.")
            click.echo("Nothing was written.")
            return
        record_import(file.name, result)
        db.session.commit()
        click.echo(f"{result.created} records imported.")

    @app.cli.command("seed-demo")
    @click.option("--password", default="demo1234", show_default=True, help="Password of every demo login.")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users (first start only).")
    def seed_demo_command(password: str, if_empty: bool) -> None:
        """Fill the database with a demo street (idempotent: only what is missing is added)."""
        from sqlalchemy import select

        from .demo import seed_demo
        from .models import User

        if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
            click.echo("The database already has users; the demo was not seeded (run `flask seed-demo` to add it).")
            return

        try:
            logins = seed_demo(password)
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        db.session.commit()
        click.echo("Demo logins (new accounts use the password given with --password):")
        for username, role, name in logins:
            click.echo(f"  {role:7} {username:14} {name}")

    @app.cli.command("backup")
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    def backup_command(path: Path | None) -> None:
        """Write a consistent backup of the database and the evidence files (to PATH, a directory, or BACKUP_DIR)."""
        from .backup import BackupError, backup

        try:
            written, pruned = backup(path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {written.resolve()} ({written.stat().st_size} bytes).")
        for old in pruned:
            click.echo(f"Removed the older backup {old}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace a database that already holds data.")
    def restore_command(path: Path, force: bool) -> None:
        """Restore the database and the evidence files from a backup made by `flask backup` (every file's hash checked)."""
        from .backup import BackupError, restore

        try:
            outcome = restore(path, force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored from {path}: {outcome}.")
