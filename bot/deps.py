"""FastAPI dependencies, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.conversations.service import ConversationService
from bot.rasa_client import RasaClient


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]


def get_conversation_service(request: Request, session: SessionDep, rasa: RasaDep,
                             settings: SettingsDep) -> ConversationService:
    return ConversationService(session, rasa, request.app.state.events, request.app.state.site,
                               settings.max_message_chars, settings.expected_staff_reply_minutes)


ConversationServiceDep = Annotated[ConversationService, Depends(get_conversation_service)]
