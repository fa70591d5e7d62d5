"""The core's tables. Plugins declare theirs on the same ``Base``."""

from elearn.models.certificates import AuditEntry, Certificate
from elearn.models.courses import Course, CourseInstructor, Lesson, Module
from elearn.models.enrolment import (
    Cohort,
    CohortMember,
    EnrolmentCode,
    Programme,
    ProgrammeCourse,
    ProgrammePrerequisite,
)
from elearn.models.groups import CourseGroup, CourseGroupSet, GroupMember
from elearn.models.jobs import Job, JobStatus
from elearn.models.organisations import AdminUnit, Cooperative, CooperativeKind, StaffArea, Track, UnitLevel
from elearn.models.packs import InstalledPack
from elearn.models.profiles import Gender, LearnerProfile, Position
from elearn.models.progress import Enrolment, LessonProgress, Status
from elearn.models.rate_limits import RateLimitCounter
from elearn.models.state import PluginState, Scope
from elearn.models.users import ApiToken, AuthSession, CodePurpose, Role, SignInCode, User

__all__ = [
    "AdminUnit",
    "ApiToken",
    "AuditEntry",
    "AuthSession",
    "Certificate",
    "CodePurpose",
    "Cohort",
    "CohortMember",
    "Cooperative",
    "CooperativeKind",
    "Course",
    "CourseGroup",
    "CourseGroupSet",
    "CourseInstructor",
    "Enrolment",
    "EnrolmentCode",
    "Gender",
    "GroupMember",
    "InstalledPack",
    "Job",
    "JobStatus",
    "LearnerProfile",
    "Lesson",
    "LessonProgress",
    "Module",
    "PluginState",
    "Position",
    "Programme",
    "ProgrammeCourse",
    "ProgrammePrerequisite",
    "RateLimitCounter",
    "Role",
    "Scope",
    "SignInCode",
    "StaffArea",
    "Status",
    "Track",
    "UnitLevel",
    "User",
]
