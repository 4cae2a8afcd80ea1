"""A bot that welcomes new signups: Action Network webhook -> look the person up -> act.

The bot holds ONE client, so its webhook handler and everything else it does share one rate
limiter. Run it as it is and it plays both sides on loopback: the built-in emulator sends real
webhooks to the bot's receiver. Point ``ActionNetwork`` at the real API and register the
receiver's URL (with its secret) on the API & Sync page to run it for real.

    python docs/examples/signup_bot.py
"""

from __future__ import annotations

import asyncio
import secrets

from aiohttp import web

from actionnetwork_async import ActionNetwork, webhooks
from actionnetwork_async.testing import Emulator, Webhooks


class SignupBot:
    """Greets every person who signs up, after looking them up through the shared client."""

    def __init__(self, secret: str) -> None:
        self.an: ActionNetwork | None = None  # set once the client exists
        self.greeted: list[str] = []
        self.hooks = webhooks.receiver(secret=secret)
        # People POSTed to the signup helper arrive as uploads; manual additions as actions.
        self.hooks.on("action_network:upload")(self.new_signup)
        self.hooks.on("action_network:action")(self.new_signup)

    async def new_signup(self, event: webhooks.WebhookEvent) -> None:
        if self.an is None or event.person_id is None:
            return
        # The payload has core fields only; the API has the whole record (custom fields too).
        # Look the person up by id through the client: anyone can post a payload, and a link
        # in it may point anywhere; the client only ever sends its key to the API.
        person = await self.an.people.get(event.person_id)
        self.greeted.append(person.email or "")
        print(f"bot: welcome, {person.given_name or 'friend'} <{person.email}>!", flush=True)


async def main(signups: int = 3) -> list[str]:
    """Run the bot against the emulator, sign some people up, return who was greeted."""
    secret = secrets.token_urlsafe(24)
    bot = SignupBot(secret)
    runner = web.AppRunner(bot.hooks.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hook_url = f"http://127.0.0.1:{port}/webhooks/action-network/{secret}"
    try:
        async with (
            Emulator(webhooks=Webhooks(url=hook_url)) as emu,
            ActionNetwork(emu.api_key, base_url=emu.base_url) as an,
        ):
            bot.an = an
            # Someone signs people up (here through the same client, sharing its limiter).
            for n in range(signups):
                await an.people.signup(email=f"new{n}@example.org", given_name=f"New {n}")
            await emu.idle()  # every webhook delivered and handled
    finally:
        await runner.cleanup()
    return bot.greeted


if __name__ == "__main__":
    greeted = asyncio.run(main())
    print(f"greeted {len(greeted)} new people")
