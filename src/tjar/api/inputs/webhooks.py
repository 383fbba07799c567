"""Webhook bodies: register or change one, and check a signature."""

from typing import Annotated

from pydantic import ConfigDict, Field

from tjar.api.inputs.common import Id, Short, Strict
from tjar.domain.webhooks import SignedRequest, WebhookInput

Url = Annotated[str, Field(max_length=2048)]
EventName = Annotated[str, Field(max_length=64)]


class WebhookIn(Strict):
    name: Short | None = None
    url: Url | None = None
    events: Annotated[list[EventName], Field(max_length=20)] | None = None
    is_active: bool | None = None

    def to_input(self) -> WebhookInput:
        return WebhookInput(
            name=self.name,
            url=self.url,
            events=self.events,
            is_active=self.is_active,
        )


class VerifyIn(Strict):
    # Checked byte for byte: nothing is trimmed.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    webhook_id: Id
    payload: Annotated[str, Field(description="The raw body, exactly as received.")]
    headers: Annotated[
        dict[str, Annotated[str, Field(max_length=4096)]],
        Field(
            max_length=50,
            description="`webhook-id`, `webhook-timestamp` and `webhook-signature`.",
        ),
    ]

    def to_request(self) -> SignedRequest:
        headers = {name.lower(): value for name, value in self.headers.items()}
        return SignedRequest(
            webhook_id=self.webhook_id,
            payload=self.payload,
            message_id=headers.get("webhook-id"),
            timestamp=headers.get("webhook-timestamp"),
            signature=headers.get("webhook-signature"),
        )
