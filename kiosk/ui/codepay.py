"""Payment code (付款码) on the cashier screen: training mode's customer with a code (the sandbox's scenarios, one
tap each). The clerk's words for a failure and its next step are in :mod:`kiosk.ui.words`."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.checkout.codepay import TrainingScenario
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.flow import FlowLayout


class ScenarioPicker(ActionDialog):
    """Training mode: which customer shows a payment code (buttons ``scenario_<name>``, the sandbox's scenarios);
    ``chosen`` carries the scenario's name."""

    chosen = Signal(str)

    def __init__(self, scenarios: list[TrainingScenario], language: str, parent: QWidget | None = None):
        super().__init__("scenarioPicker", parent)
        self.set_title(self.tr("Simulate a customer's payment code"))
        holder = QWidget(self.body_widget)
        flow = FlowLayout(holder)
        self.buttons: dict[str, QPushButton] = {}
        for scenario in scenarios:
            button = QPushButton(scenario.label(language), holder)
            button.setObjectName(f"scenario_{scenario.name}")
            button.setProperty("role", "choice")
            button.clicked.connect(lambda _checked=False, name=scenario.name: self._choose(name))
            flow.addWidget(button)
            self.buttons[scenario.name] = button
        self.body.addWidget(holder)
        self.add_action("scenarioCancelButton", self.reject).setText(self.tr("Cancel"))

    def _choose(self, name: str) -> None:
        self.chosen.emit(name)
        self.accept()
