"""Profile dialog: first run ("New profile") and "Edit profile".

Secrets are typed here and go straight to the keyring through the profile service; they
are never kept in settings, SQLite or logs. "Test connection" calls SkinsNode health and
wallet and checks the Skinslink key with the values as typed, and shows each check inline.

A new profile keeps its orders on "This computer (SQLite)" or in a "Team database
(PostgreSQL)": the database URL (no password in it), its password (to the keyring) and
the operator's name. A team profile another operator already created is joined by leaving
the SkinsNode client id empty (its provider settings are the team's); the secrets are
still typed, since they go to this computer's keyring. Editing a team profile also changes
this computer's operator name and database password (tried on the database before the
keyring's is replaced): an empty password field keeps the keyring's, and "No password"
(an explicit choice; the field is disabled then) switches to a database that needs none,
as ``profile set NAME --password`` with an empty answer does: the connection without one is
tried first, and only then is the keyring's entry deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.errors import ValidationError
from skins_console.core.money import MoneyError, format_cents, parse_cents_input
from skins_console.core.records import ProfileRecord
from skins_console.services.profile_service import ProfileSecrets
from skins_console.services.team_setup import KEEP, Keep
from skins_console.store.team_profiles import (
    TeamProfile,
    parse_database_url,
    validate_operator,
)
from skins_console.ui.error_presenter import user_message
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme

if TYPE_CHECKING:
    from skins_console.ui.backend import Backend

DEFAULT_SKINSNODE = "https://api.skinsnode.com"
DEFAULT_SKINSLINK = "https://api.skinslink.com"
LOCAL_BOOK = "This computer (SQLite)"
TEAM_BOOK = "Team database (PostgreSQL)"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: save or test: (the form's record, its secrets or None to keep them, the profile's
#: present name or None for a new one)
ProfileCall = Callable[[ProfileRecord, ProfileSecrets | None, str | None], Coroutine[Any, Any, Any]]


class ProfileDialog(QDialog):
    saved = Signal(object)  # ProfileRecord
    #: an edited team profile's operator name or database password changed (its name)
    team_changed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        backend: Backend,
        *,
        profile: ProfileRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``profile``: the profile to edit (None: set a new one up)."""
        super().__init__(parent)
        self._runner = runner
        self._backend = backend
        #: the edited profile's team database (None: this computer's book, or a new one)
        self.team: TeamProfile | None = (
            backend.team_of(profile.name) if profile is not None else None
        )
        self.original = profile
        self._team_changed = False
        self.setWindowTitle("Edit profile" if profile else "Set up a profile")
        self.setMinimumWidth(560)
        self._build(profile)

    def _build(self, profile: ProfileRecord | None) -> None:
        layout = QVBoxLayout(self)
        if profile is None:
            intro = QLabel(
                "Connect your SkinsNode and Skinslink accounts. The secrets are "
                "stored in your system keyring, never in files."
            )
            intro.setWordWrap(True)
            layout.addWidget(intro)
        form = QFormLayout()
        self.form = form
        self.local_choice = QRadioButton(LOCAL_BOOK)
        self.team_choice = QRadioButton(TEAM_BOOK)
        self.database_url = QLineEdit()
        self.database_url.setPlaceholderText(
            "postgresql://USER@HOST:5432/DBNAME?sslmode=verify-full"
        )
        self.database_password = QLineEdit()
        self.database_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password.setPlaceholderText("stored in the keyring; empty if none")
        #: an edited team profile only: switch to a database that needs no password
        self.no_database_password = QCheckBox("No password: the database needs none")
        self.no_database_password.setToolTip(
            "Connect without a password from now on. It is tried on the team database "
            "first; only then is the stored password removed from the keyring."
        )
        self.no_database_password.toggled.connect(self._on_no_password_toggled)
        self._password_hint = ""
        self.operator = QLineEdit()
        self.operator.setPlaceholderText("your name in the team's records (default: OS user)")
        if profile is None:
            choice = QWidget()
            row = QHBoxLayout(choice)
            row.setContentsMargins(0, 0, 0, 0)
            self._book_group = QButtonGroup(self)
            for button in (self.local_choice, self.team_choice):
                self._book_group.addButton(button)
                row.addWidget(button)
            row.addStretch(1)
            self.local_choice.setChecked(True)
            form.addRow("Orders kept on", choice)
            form.addRow("Database URL", self.database_url)
            form.addRow("Database password", self.database_password)
            form.addRow("Your operator name", self.operator)
            self.team_choice.toggled.connect(self._on_book_chosen)
        elif self.team is not None:
            where = f"team database {self.team.where}" + (
                f" (as {self.team.operator})" if self.team.operator else ""
            )
            kept = QLabel(where)
            kept.setWordWrap(True)  # a long host and database name must not be cut off
            kept.setToolTip(self.team.database)
            form.addRow("Orders kept in", kept)
            # This computer's part of the team profile, changed in place.
            self.operator.setText(self.team.operator or "")
            self.database_password.setPlaceholderText(
                "(stored in the keyring; leave empty to keep)"
            )
            form.addRow("Your operator name", self.operator)
            form.addRow("Database password", self.database_password)
            form.addRow("", self.no_database_password)
        self.name = QLineEdit(profile.name if profile else "")
        self.name.setReadOnly(profile is not None)
        self.skinsnode_url = QLineEdit(profile.skinsnode_base_url if profile else DEFAULT_SKINSNODE)
        self.client_id = QLineEdit(profile.skinsnode_client_id if profile else "")
        self.client_secret = QLineEdit()
        self.skinslink_url = QLineEdit(profile.skinslink_base_url if profile else DEFAULT_SKINSLINK)
        self.api_key = QLineEdit()
        self.webhook_secret = QLineEdit()
        self.webhook_url = QLineEdit(profile.webhook_url if profile else "")
        self.tolerance = QLineEdit(str(profile.min_price_tolerance_pct) if profile else "2")
        self.threshold = QLineEdit(
            format_cents(profile.low_balance_threshold_cents).lstrip("$") if profile else "0"
        )
        for secret in (self.client_secret, self.api_key, self.webhook_secret):
            secret.setEchoMode(QLineEdit.EchoMode.Password)
            if profile is not None:
                secret.setPlaceholderText("(stored in the keyring; leave empty to keep)")
        self.webhook_url.setPlaceholderText("https://your-relay.example/skinsnode/webhook")
        form.addRow("Profile name", self.name)
        form.addRow("SkinsNode API URL", self.skinsnode_url)
        form.addRow("SkinsNode client id", self.client_id)
        form.addRow("SkinsNode client secret", self.client_secret)
        form.addRow("Skinslink API URL", self.skinslink_url)
        form.addRow("Skinslink API key", self.api_key)
        form.addRow("Skinslink webhook secret", self.webhook_secret)
        form.addRow("Webhook URL (for orders)", self.webhook_url)
        form.addRow("Min-price tolerance (%)", self.tolerance)
        form.addRow("Low-balance alert below ($)", self.threshold)
        layout.addLayout(form)
        self._on_book_chosen(False)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox()
        self.test_button = QPushButton("Test connection")
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        layout.addWidget(buttons)

    def _on_book_chosen(self, team: bool) -> None:
        if self.original is not None:  # an edited team profile shows its own rows
            return
        for field in (self.database_url, self.database_password, self.operator):
            if self.form.indexOf(field) >= 0:
                self.form.setRowVisible(field, team)
        self.client_id.setPlaceholderText("empty: join the team's existing profile" if team else "")

    def _on_no_password_toggled(self, none: bool) -> None:
        field = self.database_password
        if none:
            self._password_hint = field.placeholderText()
            field.clear()
            field.setPlaceholderText("(none; the stored one will be deleted)")
        else:
            field.setPlaceholderText(self._password_hint)
        field.setEnabled(not none)

    @property
    def team_chosen(self) -> bool:
        return self.original is None and self.team_choice.isChecked()

    # --- reading the form ----------------------------------------------------------------

    def read_team(self) -> tuple[TeamProfile, ProfileRecord | None, ProfileSecrets, str | None]:
        """A new team profile as typed: an empty client id joins the team's profile."""
        url = parse_database_url(self.database_url.text())
        operator = validate_operator(self.operator.text())
        joining = not self.client_id.text().strip()
        record, secrets = self.read(client_id_required=not joining)
        if secrets is None:
            raise ValidationError(
                "Enter the SkinsNode client secret and the Skinslink API key.", field="secrets"
            )
        team = TeamProfile(record.name, url.text, operator)
        return team, None if joining else record, secrets, self.database_password.text() or None

    def read(
        self, *, client_id_required: bool = True
    ) -> tuple[ProfileRecord, ProfileSecrets | None]:
        """The typed profile and secrets; ``ValidationError`` names the field to fix."""
        try:
            tolerance = Decimal(self.tolerance.text().strip() or "0")
        except InvalidOperation:
            raise ValidationError(
                "The tolerance must be a percentage, e.g. 2.5", field="tolerance"
            ) from None
        try:
            text = self.threshold.text().strip() or "0"
            threshold = parse_cents_input(
                text if ("." in text or "$" in text) else text + ".00", field="low-balance alert"
            )
        except MoneyError as exc:
            raise ValidationError(str(exc), field="threshold") from None
        base = self.original
        record = ProfileRecord(
            name=self.name.text().strip(),
            skinsnode_base_url=self.skinsnode_url.text().strip(),
            skinsnode_client_id=self.client_id.text().strip(),
            skinslink_base_url=self.skinslink_url.text().strip(),
            webhook_url=self.webhook_url.text().strip(),
            default_game=base.default_game if base else "730",
            min_price_tolerance_pct=tolerance,
            low_balance_threshold_cents=threshold,
            is_sandbox=base.is_sandbox if base else False,
            active=base.active if base else False,
        )
        if not record.skinsnode_client_id and client_id_required:
            raise ValidationError("Enter the SkinsNode client id.", field="client_id")
        secret, key = self.client_secret.text(), self.api_key.text()
        if base is None and (not secret or not key):
            raise ValidationError(
                "Enter the SkinsNode client secret and the Skinslink API key.", field="secrets"
            )
        secrets = None
        if secret or key or self.webhook_secret.text():
            secrets = ProfileSecrets(secret, key, self.webhook_secret.text() or None)
        return record, secrets

    def _show(self, html: str) -> None:
        self.result_label.setText(html)

    def _show_error(self, message: str) -> None:
        self._show(f"<span style='color:{current_theme().bad}'>{_escape(message)}</span>")

    # --- actions -------------------------------------------------------------------------

    def _on_test_clicked(self) -> None:
        self._submit(
            self._backend.test_profile,
            self.test_button,
            "test",
            self._on_tested,
            "testing the connection",
            progress="Testing…",
        )

    def _submit(
        self,
        call: ProfileCall,
        button: QPushButton,
        action: str,
        on_success: Callable[[Any], object],
        description: str,
        progress: str | None = None,
    ) -> None:
        """Hand the form to ``call`` (test or save) with the profile's present name, or say
        what is wrong with it."""
        try:
            record, secrets = self.read()
        except ValidationError as exc:
            self._show_error(exc.message)
            return
        original = self.original.name if self.original else None
        self._run(
            call(record, secrets, original), button, action, on_success, description, progress
        )

    def _run(
        self,
        work: Coroutine[Any, Any, Any],
        button: QPushButton,
        action: str,
        on_success: Callable[[Any], object],
        description: str,
        progress: str | None,
    ) -> None:
        """Start ``work`` (a test or a save); ``button`` waits for the answer."""
        button.setEnabled(False)
        if progress is not None:
            self._show(progress)
        self._runner.spawn(
            work,
            owner=self,
            key=f"profile.{action}.{id(self)}",
            on_success=on_success,
            on_error=self._on_failed,
            description=description,
        )

    def _on_tested(self, result: Any) -> None:
        self.test_button.setEnabled(True)
        theme = current_theme()
        lines = []
        for check in result.checks:
            mark = (
                f"<span style='color:{theme.ok}'>✓</span>"
                if check.ok
                else f"<span style='color:{theme.bad}'>✗</span>"
            )
            lines.append(f"{mark} <b>{_escape(check.name)}</b>: {_escape(check.detail)}")
        self._show("<br>".join(lines))

    def read_team_changes(self) -> tuple[str | Keep | None, str | Keep | None]:
        """The edited team profile's new operator name and password (``KEEP``: unchanged;
        an empty password field keeps the keyring's; ``None``: "No password" is ticked)."""
        assert self.team is not None
        operator = validate_operator(self.operator.text())
        password: str | Keep | None = self.database_password.text() or KEEP
        if self.no_database_password.isChecked():
            password = None
        return KEEP if operator == self.team.operator else operator, password

    def _on_save_clicked(self) -> None:
        if self.team_chosen:
            self._save_team_profile()
            return
        if self.team is not None and self.original is not None:
            self._save_edited_team_profile(self.original.name)
            return
        self._submit(
            self._backend.save_profile,
            self.save_button,
            "save",
            self._on_saved,
            "saving the profile",
        )

    def _save_team_profile(self) -> None:
        try:
            team, record, secrets, password = self.read_team()
        except ValidationError as exc:
            self._show_error(exc.message)
            return
        self._run(
            self._backend.save_team_profile(team, record, secrets, password),
            self.save_button,
            "save",
            self._on_saved,
            "saving the team profile",
            progress=f"Connecting to {_escape(team.where)}…",
        )

    def _save_edited_team_profile(self, name: str) -> None:
        try:
            record, secrets = self.read()
            operator, password = self.read_team_changes()
        except ValidationError as exc:
            self._show_error(exc.message)
            return
        changed = not (isinstance(operator, Keep) and isinstance(password, Keep))

        async def save() -> ProfileRecord:
            # The team part first: a refused password saves nothing else either.
            if changed:
                await self._backend.change_team_profile(name, operator=operator, password=password)
                self.team = self._backend.team_of(name)
                self._team_changed = True
            return await self._backend.save_profile(record, secrets, name)

        progress = f"Connecting to {_escape(self.team.where)}…" if changed and self.team else None
        self._run(save(), self.save_button, "save", self._on_saved, "saving the profile", progress)

    def _on_saved(self, record: ProfileRecord) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit(record)
        if self._team_changed:
            self.team_changed.emit(record.name)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.test_button.setEnabled(True)
        self._show_error(user_message(exc))
