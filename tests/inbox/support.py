"""Staff accounts and a logged-in inbox client for the inbox tests."""

import re

import httpx

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token for the next forms."""
    form = await client.get("/inbox/login")
    token = CSRF.search(form.text).group(1)
    response = await client.post("/inbox/login", data={"username": username, "password": password,
                                                       "csrf_token": token, "next": "/inbox/"})
    assert response.status_code == 303, response.text
    queue = await client.get("/inbox/", headers=HTML)
    return CSRF.search(queue.text).group(1)


async def act(client, number: str, action: str, csrf: str, **fields: str) -> httpx.Response:
    return await client.post(f"/inbox/tickets/{number}/{action}", data={"csrf_token": csrf, **fields})


async def person_messages(client, conversation_id: str, headers: dict) -> list[dict]:
    response = await client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=headers)
    return response.json()["messages"]


