"""The inbox's logins, sessions, CSRF, login delays and administration."""



from bot.inbox.accounts import Accounts
from tests.inbox.support import CSRF, HTML, PASSWORD, login
from tests.inbox.test_staff_api import open_ticket


async def test_without_login_pages_redirect_and_everything_else_is_401(client, accounts) -> None:
    page = await client.get("/inbox/", headers=HTML)
    assert page.status_code == 303 and page.headers["location"].startswith("/inbox/login")
    assert (await client.get("/inbox/")).status_code == 401
    assert (await client.get("/inbox/events")).status_code == 401
    assert (await client.post("/inbox/tickets/W-000001/claim", data={"csrf_token": "x"})).status_code == 401
    assert (await client.get("/inbox/admin", headers=HTML)).status_code == 303


async def test_login_with_a_wrong_password_is_refused_and_a_right_one_opens_the_queue(client, accounts) -> None:
    form = await client.get("/inbox/login")
    token = CSRF.search(form.text).group(1)
    wrong = await client.post("/inbox/login", data={"username": "anna", "password": "nope-nope-nope",
                                                    "csrf_token": token})
    assert wrong.status_code == 401 and "stimmt nicht" in wrong.text
    assert "wk_staff" not in client.cookies
    await login(client, "anna")
    cookie = next(c for c in client.cookies.jar if c.name == "wk_staff")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/"
    queue = await client.get("/inbox/", headers=HTML)
    assert queue.status_code == 200 and "Anna (agent, welcome_center)" in queue.text


async def test_the_database_keeps_only_an_argon2_hash(app, accounts) -> None:
    async with app.state.services.sessions() as session:
        user = await Accounts(session).user("anna")
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash


async def test_login_form_without_its_csrf_cookie_is_forbidden(client, accounts) -> None:
    response = await client.post("/inbox/login", data={"username": "anna", "password": PASSWORD,
                                                       "csrf_token": "made-up"})
    assert response.status_code == 403


async def test_a_form_post_without_or_with_a_wrong_csrf_token_is_forbidden(client, accounts) -> None:
    _, _, number = await open_ticket(client)
    await login(client, "anna")
    assert (await client.post(f"/inbox/tickets/{number}/claim")).status_code == 403
    assert (await client.post(f"/inbox/tickets/{number}/claim", data={"csrf_token": "wrong"})).status_code == 403
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert "wartet" in page.text  # nothing happened


async def test_only_admins_manage_staff_and_see_the_counts(client, accounts) -> None:
    await open_ticket(client, language="ar")
    csrf = await login(client, "anna")
    assert (await client.get("/inbox/admin", headers=HTML)).status_code == 403
    refused = await client.post("/inbox/admin/users", data={"csrf_token": csrf, "username": "eve", "password":
                                                            "long-enough-1", "role": "admin"})
    assert refused.status_code == 403
    csrf = await login(client, "chef")
    admin = await client.get("/inbox/admin", headers=HTML)
    assert admin.status_code == 200 and "Arabisch (العربية)" in admin.text
    # the review state of the translations: per language, and per entry and language
    assert "Übersetzungen der Wissensdatenbank" in admin.text and 'id="review-entries"' in admin.text
    assert "Rumänisch (Română)" in admin.text and "Entwurf" in admin.text
    created = await client.post("/inbox/admin/users", data={"csrf_token": csrf, "username": "dana",
                                                            "display_name": "Dana", "password": "long-enough-1",
                                                            "role": "agent", "office": "welcome_center"})
    assert created.status_code == 303
    too_short = await client.post("/inbox/admin/users", data={"csrf_token": csrf, "username": "emil",
                                                              "display_name": "Emil", "password": "short",
                                                              "role": "agent", "office": "welcome_center"})
    assert too_short.status_code == 422 and "mindestens 10 Zeichen" in too_short.text
    await client.post("/inbox/admin/active", data={"csrf_token": csrf, "username": "dana", "active": "0"})
    client.cookies.clear()
    form = await client.get("/inbox/login")
    token = CSRF.search(form.text).group(1)
    deactivated = await client.post("/inbox/login", data={"username": "dana", "password": "long-enough-1",
                                                          "csrf_token": token})
    assert deactivated.status_code == 401


async def test_logout_ends_the_session(client, accounts) -> None:
    csrf = await login(client, "anna")
    session_cookie = client.cookies.get("wk_staff")
    assert (await client.post("/inbox/logout", data={"csrf_token": csrf})).status_code == 303
    client.cookies.set("wk_staff", session_cookie)  # a stolen cookie is useless after logout
    assert (await client.get("/inbox/")).status_code == 401


async def test_an_admin_moves_an_agent_to_another_office_and_what_they_see_follows(client, accounts) -> None:
    _, _, number = await open_ticket(client)  # Welcome Center
    csrf = await login(client, "chef")
    changed = await client.post("/inbox/admin/role", data={"csrf_token": csrf, "username": "bora", "role": "agent",
                                                           "office": "welcome_center"})
    assert changed.status_code == 303
    refused = await client.post("/inbox/admin/role", data={"csrf_token": csrf, "username": "chef", "role": "agent",
                                                           "office": "welcome_center"})
    assert refused.status_code == 422 and "nicht selbst" in refused.text
    await login(client, "bora")
    assert (await client.get(f"/inbox/tickets/{number}", headers=HTML)).status_code == 200


async def test_wrong_passwords_slow_an_account_down_but_never_lock_out_its_owner(client, accounts) -> None:
    form = await client.get("/inbox/login")
    token = CSRF.search(form.text).group(1)
    for _ in range(3):  # a stranger guessing (the first three failures cost no delay)
        wrong = await client.post("/inbox/login", data={"username": "anna", "password": "guess-guess-guess",
                                                        "csrf_token": token})
        assert wrong.status_code == 401
    owner = await client.post("/inbox/login", data={"username": "Anna", "password": PASSWORD, "csrf_token": token})
    assert owner.status_code == 303  # no lock a stranger could put on the account
