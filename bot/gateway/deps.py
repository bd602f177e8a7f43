"""FastAPI dependencies, as `Annotated` aliases over the services built at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.events import EventBroker
from bot.conversations.service import ConversationService
from bot.gateway.rate_limits import Limited, RateLimits
from bot.gateway.services import Services
from bot.knowledge.loader import KnowledgeBase
from bot.settings import Settings


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings_dep(services: ServicesDep) -> Settings:
    return services.settings


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.sessions() as session:
        yield session


def get_conversations(services: ServicesDep) -> ConversationService:
    return services.conversations


def get_events(services: ServicesDep) -> EventBroker:
    return services.events


def get_knowledge(services: ServicesDep) -> KnowledgeBase:
    return services.knowledge


def get_rate_limits(services: ServicesDep) -> RateLimits:
    return services.rate_limits


def client_address(request: Request) -> str:
    """Who is asking, for the rate limits: the client's address (the proxy's, unless uvicorn trusts it)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ConversationsDep = Annotated[ConversationService, Depends(get_conversations)]
EventsDep = Annotated[EventBroker, Depends(get_events)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]
ClientAddress = Annotated[str, Depends(client_address)]

__all__ = ["ClientAddress", "ConversationsDep", "EventsDep", "KnowledgeDep", "Limited", "RateLimitsDep",
           "ServicesDep", "SessionDep", "SettingsDep"]
