"""Word lists the generator draws from: names, places, institutions, phrases."""

REPORTERS = [
    "Ben Sokhean", "Niem Chheng", "Long Kimmarita", "May Kunmakara", "Meas Sokchea",
    "Cheang Sokha", "Vong Sokheng", "Khouth Sophak Chakrya", "Mech Dara", "Hor Kimsay",
    "Kong Meta", "Sorn Sarath", "Hin Pisei", "Phak Seangly", "Chhorn Phearun", "Taing Vida",
    "Soth Koemsoeun", "Mom Kunthear", "Sum Manet", "Yon Sineat", "David Boyle",
    "Shane Worrell", "Stuart White", "Alex Willemyns", "Abby Seiff", "Laignee Barron",
    "Andrew Nachemson", "Erin Handley", "Leonie Kijewski", "Cristina Maza", "Kali Kotoski",
    "Harriet Fitch Little", "Bennett Murray", "Brent Crane", "Jack Davies", "Bun Sengkong",
    "Hong Raksmey", "Roth Sochieata", "Chea Vannak", "Lay Samean", "Ry Sochan", "Sok Chan",
]
ORGANISATION_BYLINES = ["Post Staff", "AFP", "Xinhua"]

PEOPLE = [
    ("Sok Eysan", "CPP spokesman"), ("Kem Sokha", "opposition leader"),
    ("Chhim Phalla", "a rice farmer"), ("Ou Virak", "a political analyst"),
    ("Am Sam Ath", "a rights monitor"), ("Ken Loo", "secretary-general of the garment association"),
    ("Pen Bona", "a government spokesman"), ("Moeun Tola", "a labour rights advocate"),
    ("Ly Sovann", "a health ministry spokesman"), ("Chheang Vun", "a National Assembly member"),
    ("Meas Sophorn", "a Kampong Cham provincial official"), ("Sar Kheng", "interior minister"),
    ("Hang Chuon Naron", "education minister"), ("Thong Khon", "tourism minister"),
    ("Aun Pornmoniroth", "economy minister"), ("Heng Chivoan", "a photographer"),
    ("Nay Vanda", "an economist"), ("Lim Heng", "a business federation vice-president"),
]
PROVINCES = [
    "Phnom Penh", "Siem Reap", "Battambang", "Kampong Cham", "Kampot", "Kep", "Takeo",
    "Kandal", "Preah Sihanouk", "Koh Kong", "Pursat", "Kratie", "Stung Treng", "Ratanakkiri",
    "Mondulkiri", "Prey Veng", "Svay Rieng", "Banteay Meanchey", "Oddar Meanchey", "Pailin",
]
INSTITUTIONS = [
    "Ministry of Health", "Ministry of Commerce", "National Assembly", "Ministry of Interior",
    "Council for the Development of Cambodia", "National Bank of Cambodia",
    "Ministry of Education", "Phnom Penh Municipal Court", "Ministry of Tourism",
    "Garment Manufacturers Association", "Ministry of Agriculture", "Ministry of Labour",
    "Anti-Corruption Unit", "National Election Committee", "Ministry of Environment",
]
SUBJECTS = [
    "rice exports", "garment orders", "land disputes", "road construction", "tourist arrivals",
    "school enrolment", "dengue cases", "microfinance loans", "electricity prices",
    "fishing licences", "rubber prices", "border trade", "flood relief", "factory inspections",
    "property sales", "mobile payments", "river sand dredging", "forest clearing",
    "minimum wage talks", "cashew harvests", "hospital budgets", "bus routes",
]
VERBS_PAST = [
    "announced", "approved", "rejected", "reviewed", "questioned", "defended", "expanded",
    "suspended", "welcomed", "criticised", "investigated", "postponed", "launched",
]
VERBS_PRESENT = [
    "announces", "approves", "rejects", "reviews", "defends", "expands", "suspends",
    "welcomes", "criticises", "probes", "delays", "launches", "weighs",
]
NOUNS = [
    "plan", "budget", "inquiry", "agreement", "proposal", "crackdown", "programme", "law",
    "project", "policy", "deal", "campaign", "report", "reform", "tender", "permit",
]
ADJECTIVES = [
    "new", "controversial", "long-awaited", "revised", "provincial", "national", "draft",
    "ambitious", "delayed", "disputed", "joint", "emergency",
]
TIME_PHRASES = [
    "last week", "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday",
    "yesterday", "earlier this month", "late last year", "over the weekend", "this morning",
]
QUOTES = [
    "We need to see results on the ground, not promises",
    "The figures speak for themselves",
    "Nobody told us anything before the decision was made",
    "We will continue to work with all stakeholders",
    "It is too early to say what the impact will be",
    "Families here cannot wait another season",
    "The law must apply equally to everyone",
    "We have asked the ministry for clarification",
    "Prices have gone up every month since January",
    "This is a step in the right direction",
]
TAGS = [
    "Hun Sen", "Sam Rainsy", "CNRP", "CPP", "garment industry", "rice exports", "Covid-19",
    "Khmer Rouge", "land disputes", "tourism", "Angkor Wat", "ASEAN", "Mekong", "elections",
    "defamation", "education", "health", "investment", "real estate", "Phnom Penh",
    "human rights", "trade", "agriculture", "infrastructure", "environment",
]
CAPTION_SCENES = [
    "Workers sort rice at a mill in {place} province",
    "Officials inspect a construction site in {place}",
    "Vendors wait for customers at a market in {place}",
    "Villagers gather outside a commune office in {place} province",
    "Tourists walk past a temple in {place}",
    "Garment workers leave a factory in {place} at the end of a shift",
    "A farmer tends his field in {place} province",
    "Students sit an exam at a high school in {place}",
    "Members of the National Assembly attend a session in {place}",
    "Traffic moves along a newly paved road in {place}",
]
CAPTION_CREDITS_DRUPAL = [
    "Photo supplied", "Post staff", "Heng Chivoan", "Khem Sovannara/AFP", "AFP",
    "Hong Menea", "Pha Lina", "Sreng Meng Srun", "Tang Chhin Sothy/AFP",
]
CAPTION_CREDITS_PRINT = ["PHOTO SUPPLIED", "Photo supplied"]
CAPTION_PHOTOGRAPHERS_2012 = ["Mey Kimlay", "Heng Chivoan", "Sovan Philong", "Pha Lina"]

KHMER_WORDS = [
    "ក្រសួង", "សុខាភិបាល", "រដ្ឋាភិបាល", "ប្រជាពលរដ្ឋ", "ខេត្ត", "រាជធានី", "ភ្នំពេញ",
    "សេដ្ឋកិច្ច", "កសិករ", "ស្រូវ", "ការនាំចេញ", "អប់រំ", "សិស្ស", "គ្រូបង្រៀន", "ផ្លូវ",
    "សាងសង់", "ទេសចរណ៍", "អង្គរវត្ត", "វិនិយោគ", "ពាណិជ្ជកម្ម", "ឆ្នាំនេះ", "បានប្រកាស",
    "បាននិយាយថា", "កម្មករ", "រោងចក្រ", "ប្រាក់ខែ", "ទឹកជំនន់", "ជំនួយ", "សហគមន៍", "ព្រៃឈើ",
]
CAPTION_INITIALLED = ["S. Sok", "H. Chivoan", "V. Sokheng"]
CAPTION_TRICKY = [
    "Officials meet U.N. envoys at a hotel in {place}.",
    "Protesters hold a sign reading ‘Stop the evictions!’",
    "Police guard the scene in {place} on Jan. 5, a day after the fire.",
    "A worker at Kampot Pepper Co. packs peppercorns in {place}.",
]
SUBHEADS = ["What comes next", "Reactions in {place}", "A long dispute", "Questions over funding"]
LIST_ITEMS = [
    "{n} families in {place} province have filed complaints.",
    "The ministry has promised a review within {n} days.",
    "Local authorities in {place} say they were not informed.",
    "Donors have pledged ${n} million so far.",
]
