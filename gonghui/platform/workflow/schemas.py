"""The API shape of ``allowed_transitions`` (one schema for every detail response, so the
OpenAPI document has one ``AllowedTransition`` component)."""

from ninja import Field, Schema


class AllowedTransition(Schema):
    name: str = Field(description="The transition's code name: POST …/{id}/{name} runs it")
    label: str = Field(description="What the button says, outcome-phrased")
    enabled: bool = Field(description="False: it cannot run now; reasons say why")
    reasons: list[str] = Field(description="Why it cannot run now (empty when enabled)")
