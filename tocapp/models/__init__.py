"""Persistence only: SQLAlchemy models. Rules live in tocapp.domain, use cases in services."""

from tocapp.models.annotations import AnnotationAction, StepMark, VoiceNote
from tocapp.models.audit import AuditChain, AuditEntry
from tocapp.models.drafts import Draft
from tocapp.models.flowcharts import FlowchartVersion, Link, Step
from tocapp.models.interviews import INTERVIEW_MODES, Answer, Interview, InterviewParticipant
from tocapp.models.jobs import JOB_STATES, ReportJob
from tocapp.models.schedules import Schedule, ScheduleQuestion
from tocapp.models.studies import Participant, Project, ProjectGroup, Round, Setting
from tocapp.models.users import LoginSession, Membership, Role, User
from tocapp.models.withdrawals import Withdrawal

__all__ = [
    "INTERVIEW_MODES",
    "JOB_STATES",
    "AnnotationAction",
    "AuditChain",
    "AuditEntry",
    "Draft",
    "Answer",
    "FlowchartVersion",
    "Interview",
    "InterviewParticipant",
    "Link",
    "LoginSession",
    "Membership",
    "Participant",
    "Project",
    "ReportJob",
    "ProjectGroup",
    "Role",
    "Round",
    "Schedule",
    "ScheduleQuestion",
    "Setting",
    "Step",
    "StepMark",
    "User",
    "VoiceNote",
    "Withdrawal",
]
