"""The papers the replica serves: The Phnom Penh Post in English and its Khmer sister site,
postkhmer.com (SITE-EVIDENCE.md), and a second paper of another make, a WordPress-built
archive in the shape of The Cambodia Daily's (samplesite.wordpress). Each is a site of its
own, with its own host, sections, template eras and ground truth; the replica serves one
per port.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

ICT = timezone(timedelta(hours=7), "ICT")


@dataclass(frozen=True)
class Section:
    slug: str
    label: str
    joomla: str | None
    weight: int
    first_year: int
    last_year: int = 9999
    term: int = 0  # Drupal's taxonomy term id, for its feed /taxonomy/term/<term>/all/feed [G: the ids]


@dataclass(frozen=True)
class Edition:
    code: str  # what `newsarchive site --edition` takes
    site: str  # the site as its records name it
    origin: str
    title: str  # the paper's name in page titles
    language: str
    sections: tuple[Section, ...]
    epoch: datetime  # the oldest article the replica generates
    eras: tuple[str, ...]  # the template eras the edition's pages come in, oldest first
    # the last year of each era: the Post's up to 2012 Joomla, up to 2022 Drupal, then the
    # current one (SITE-EVIDENCE.md)
    era_years: tuple[tuple[int, str], ...] = ((2012, "joomla"), (2022, "drupal"), (9999, "modern"))
    make: str = "post"  # how its pages are built: "post" (the Post's own sites) or "wordpress"

    def era_of(self, published: datetime) -> str:
        """The page template in use when an article was published, limited to the edition's
        own eras."""
        era = next(era for last, era in self.era_years if published.year <= last)
        return era if era in self.eras else self.eras[-1]

    def identity(self, path: str) -> str:
        """The record identity of a path on the edition: canonical origin, no trailing slash."""
        path = quote(path, safe="/-._~!$&'()*+,;=:@")
        return self.origin + (path.rstrip("/") or "/")

    def section(self, slug: str) -> Section | None:
        return next((section for section in self.sections if section.slug == slug), None)

    def section_for_term(self, term: int) -> Section | None:
        return next((section for section in self.sections if section.term == term), None)


ENGLISH = Edition(
    code="en",
    site="phnompenhpost.com",
    origin="https://www.phnompenhpost.com",
    title="Phnom Penh Post",
    language="en",
    sections=(
        Section("national", "National", "National-news", 30, 2008, term=1),
        Section("business", "Business", "Business", 20, 2008, term=2),
        Section("opinion", "Opinion", "Opinion", 8, 2008, term=3),
        Section("international", "International", "International", 6, 2008, term=4),
        Section("politics-0", "Politics", None, 8, 2013, term=5),
        Section("post-property", "Post Property", "Real-Estate", 4, 2008, term=6),
        Section("kr-tribunal", "KR Tribunal", "Khmer-Rouge-Tribunal", 3, 2008, 2022, term=7),
        Section("around-ngos", "Around NGOs", None, 2, 2013, 2019, term=8),
        Section("post-depth", "Post Depth", None, 2, 2013, 2022, term=9),
        Section("7days", "7Days", "7Days", 2, 2008, 2016, term=10),
        Section("post-weekend", "Post Weekend", "Lifestyle", 3, 2008, term=11),
        Section("columns", "Columns", "Columns", 2, 2008, 2020, term=12),
        Section("special-reports", "Special Reports", "Special-reports", 1, 2008, term=13),
        Section("supplements", "Supplements", None, 1, 2013, term=14),
        Section("post-focus", "Post Focus", None, 1, 2016, term=15),
        Section("post-auto", "Post Auto", None, 1, 2014, 2021, term=16),
        Section("lift/lift-news", "Lift", None, 2, 2013, 2019, term=17),
    ),
    epoch=datetime(2008, 1, 1, tzinfo=ICT),
    eras=("joomla", "drupal", "modern"),
)

# Only the national section's address and `post-plus` are evidenced; the other sections, and
# the Drupal 7 template lasting to this day (article pages and listings), are guesses [G].
KHMER = Edition(
    code="km",
    site="postkhmer.com",
    origin="https://www.postkhmer.com",
    title="Post Khmer",
    language="km",
    sections=(
        Section("ព័ត៌មានជាតិ", "ព័ត៌មានជាតិ", None, 30, 2014, term=21),
        Section("ពាណិជ្ជកម្ម", "ពាណិជ្ជកម្ម", None, 12, 2014, term=22),
        Section("អន្តរជាតិ", "អន្តរជាតិ", None, 8, 2014, term=23),
        Section("post-plus", "ប៉ុស្តិ៍ ប្លឹស", None, 4, 2014, term=24),
    ),
    epoch=datetime(2014, 1, 1, tzinfo=ICT),
    eras=("drupal",),
)

# A WordPress paper in the shape of The Cambodia Daily's English archive: its host, its
# categories and the year its addresses changed form are guesses [G].
CAMBODIA_DAILY = Edition(
    code="cd",
    site="english.cambodiadaily.com",
    origin="https://english.cambodiadaily.com",
    title="The Cambodia Daily",
    language="en",
    sections=(
        Section("news", "News", None, 30, 2010),
        Section("politics", "Politics", None, 12, 2010),
        Section("business", "Business", None, 10, 2010),
        Section("opinion", "Opinion", None, 5, 2010),
        Section("features", "Features", None, 4, 2012),
        Section("sport", "Sport", None, 3, 2010),
    ),
    epoch=datetime(2010, 1, 1, tzinfo=ICT),
    eras=("wp-dated", "wp-news"),
    era_years=((2017, "wp-dated"), (9999, "wp-news")),
    make="wordpress",
)

EDITIONS = {edition.code: edition for edition in (ENGLISH, KHMER, CAMBODIA_DAILY)}
