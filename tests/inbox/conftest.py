"""Three staff accounts: two agents of different offices and an admin."""

import pytest

from bot.inbox.accounts import Accounts
from tests.inbox.support import PASSWORD


@pytest.fixture
async def accounts(app):
    async with app.state.services.sessions() as session:
        accounts = Accounts(session)
        await accounts.create_user(username="anna", display_name="Anna", password=PASSWORD, role="agent",
                                   office="welcome_center", actor="test")
        await accounts.create_user(username="bora", display_name="Bora", password=PASSWORD, role="agent",
                                   office="auslaenderbehoerde", actor="test")
        await accounts.create_user(username="chef", display_name="Chefin", password=PASSWORD, role="admin",
                                   office=None, actor="test")
    return ("anna", "bora", "chef")
