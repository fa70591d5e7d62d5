"""The core's tables. Plugins declare theirs on the same ``Base``."""

from elearn.models.courses import Course, CourseInstructor, Lesson, Module
from elearn.models.groups import CourseGroup, CourseGroupSet, GroupMember
from elearn.models.organisations import AdminUnit, Cooperative, CooperativeKind, StaffArea, Track, UnitLevel
from elearn.models.packs import InstalledPack
from elearn.models.profiles import Gender, LearnerProfile, Position
from elearn.models.progress import Enrolment, LessonProgress, Status
from elearn.models.rate_limits import RateLimitCounter
from elearn.models.state import PluginState, Scope
from elearn.models.users import ApiToken, AuthSession, Role, User

__all__ = [
    "AdminUnit",
    "ApiToken",
    "AuthSession",
    "Cooperative",
    "CooperativeKind",
    "Course",
    "CourseGroup",
    "CourseGroupSet",
    "CourseInstructor",
    "Enrolment",
    "Gender",
    "GroupMember",
    "InstalledPack",
    "LearnerProfile",
    "Lesson",
    "LessonProgress",
    "Module",
    "PluginState",
    "Position",
    "RateLimitCounter",
    "Role",
    "Scope",
    "StaffArea",
    "Status",
    "Track",
    "UnitLevel",
    "User",
]
