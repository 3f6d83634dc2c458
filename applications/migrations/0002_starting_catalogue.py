"""A realistic Latvian starting catalogue. Administrators correct it in Django admin.

Only the EU long-term resident status fee (EUR 160 for 30 days, EUR 280 for 10 working days) is a confirmed
figure; every other amount, the payee account and the clause numbers of legal grounds are marked
``to_be_verified`` until checked against the current Cabinet Regulation and the Immigration Law.
"""

import datetime as dt

from django.db import migrations

PDF_IMAGES = ["application/pdf", "image/jpeg", "image/png"]
MB = 1024 * 1024


def tr(field, lv, en, ru):
    return {field: lv, f"{field}_lv": lv, f"{field}_en": en, f"{field}_ru": ru}


PURPOSES = [
    ("employment", True, ("Nodarbinātība", "Employment", "Трудоустройство")),
    ("studies", False, ("Studijas", "Studies", "Учёба")),
    ("family", True, ("Ģimenes atkalapvienošanās", "Family reunification", "Воссоединение семьи")),
    ("business", False, ("Uzņēmējdarbība vai investīcijas", "Business or investment", "Бизнес или инвестиции")),
    ("research", False, ("Zinātniskā pētniecība", "Research", "Научные исследования")),
    ("other", False, ("Cits mērķis", "Other", "Другая цель")),
]

KINDS = [
    {
        "code": "first_trp",
        "position": 1,
        "needs_registration": True,
        "speeds": ["standard", "faster", "fastest"],
        "purposes": ["employment", "studies", "family", "business", "research", "other"],
        "name": (
            "Pirmā termiņuzturēšanās atļauja",
            "First temporary residence permit",
            "Первый вид на жительство на срок",
        ),
        "description": (
            "Ārzemniekam, kurš pirmo reizi pieprasa termiņuzturēšanās atļauju Latvijā.",
            "For a foreigner who applies for a temporary residence permit in Latvia for the first time.",
            "Для иностранца, который впервые запрашивает вид на жительство в Латвии на срок.",
        ),
    },
    {
        "code": "repeated_trp",
        "position": 2,
        "needs_registration": True,
        "speeds": ["standard", "faster", "fastest"],
        "purposes": ["employment", "studies", "family", "business", "research", "other"],
        "name": (
            "Atkārtota termiņuzturēšanās atļauja",
            "Repeated temporary residence permit",
            "Повторный вид на жительство на срок",
        ),
        "description": (
            "Ārzemniekam, kuram jau ir termiņuzturēšanās atļauja un kurš paliek Latvijā ar to pašu mērķi.",
            "For a foreigner who holds a temporary residence permit and stays in Latvia for the same purpose.",
            "Для иностранца, у которого уже есть вид на жительство и который остаётся в Латвии с той же целью.",
        ),
    },
    {
        "code": "eu_long_term",
        "position": 3,
        "needs_registration": True,
        "speeds": ["standard", "faster"],
        "purposes": ["employment", "family", "business", "research", "other"],
        "name": (
            "Eiropas Savienības pastāvīgā iedzīvotāja statuss",
            "Status of EU long-term resident",
            "Статус постоянного жителя Европейского союза",
        ),
        "description": (
            "Ārzemniekam, kurš Latvijā likumīgi un nepārtraukti uzturējies pēdējos piecus gadus.",
            "For a foreigner who has lived in Latvia legally and without interruption for the last five years.",
            "Для иностранца, который законно и непрерывно прожил в Латвии последние пять лет.",
        ),
    },
    {
        "code": "registration",
        "position": 4,
        "needs_registration": False,
        "speeds": ["standard", "faster", "fastest"],
        "purposes": ["employment", "studies", "family", "business", "research", "other"],
        "name": (
            "Uzturēšanās atļaujas reģistrācija",
            "Registration of a residence permit",
            "Регистрация вида на жительство",
        ),
        "description": (
            "Pēc labvēlīga lēmuma: biometrijas datu nodošana un uzturēšanās atļaujas kartes izgatavošana.",
            "After a positive decision: giving biometric data and producing the residence permit card.",
            "После положительного решения: сдача биометрических данных и изготовление карты ВНЖ.",
        ),
    },
]

# code, (name lv/en/ru), (description lv/en/ru), content types, max size, needs translation, max age days
DOCUMENT_TYPES = [
    (
        "passport_copy",
        ("Pases kopija", "Passport copy", "Копия паспорта"),
        (
            "Derīga ceļošanas dokumenta personas datu lapa un lapas ar vīzām un robežšķērsošanas zīmogiem.",
            "The personal data page of a valid travel document and the pages with visas and border stamps.",
            "Страница с личными данными действующего проездного документа и страницы с визами и отметками.",
        ),
        PDF_IMAGES,
        10 * MB,
        False,
        None,
    ),
    (
        "photo",
        ("Fotogrāfija", "Photograph", "Фотография"),
        (
            "Krāsaina 3×4 cm fotogrāfija, kas atbilst pašreizējam izskatam.",
            "A colour 3×4 cm photograph that shows how you look now.",
            "Цветная фотография 3×4 см, соответствующая нынешнему облику.",
        ),
        ["image/jpeg", "image/png"],
        5 * MB,
        False,
        None,
    ),
    (
        "invitation",
        ("Apstiprināts izsaukums", "Approved invitation (“call”)", "Утверждённый вызов"),
        (
            "Uzaicinātāja iesniegts un Pārvaldes apstiprināts izsaukums; norādiet tā numuru.",
            "The invitation filed by the inviter and approved by the Office; give its number.",
            "Вызов, поданный приглашающим и утверждённый Управлением; укажите его номер.",
        ),
        PDF_IMAGES,
        10 * MB,
        False,
        183,
    ),
    (
        "means_of_subsistence",
        (
            "Dokuments par finanšu līdzekļiem",
            "Proof of means of subsistence",
            "Документ о средствах к существованию",
        ),
        (
            "Bankas konta izraksts vai cits dokuments, kas apliecina pietiekamus līdzekļus uzturēšanās laikam.",
            "A bank statement or another document proving enough means for the stay.",
            "Выписка со счёта или другой документ, подтверждающий достаточные средства на время пребывания.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        92,
    ),
    (
        "housing_proof",
        ("Dokuments par dzīvesvietu", "Proof of housing", "Документ о месте жительства"),
        (
            "Īres līgums, īpašuma apliecinājums vai dzīvokļa īpašnieka apliecinājums par dzīvesvietu Latvijā.",
            "A lease, proof of ownership or the owner's confirmation of a place to live in Latvia.",
            "Договор аренды, документ о собственности или подтверждение владельца о жилье в Латвии.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        92,
    ),
    (
        "health_insurance",
        ("Veselības apdrošināšanas polise", "Health insurance policy", "Полис медицинского страхования"),
        (
            "Polise, derīga Latvijā visu uzturēšanās laiku.",
            "A policy valid in Latvia for the whole stay.",
            "Полис, действующий в Латвии на всё время пребывания.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        None,
    ),
    (
        "chest_xray",
        (
            "Plaušu rentgenogrāfijas rezultāts",
            "Chest X-ray result",
            "Результат рентгена лёгких",
        ),
        (
            "Ārsta slēdziens par plaušu rentgenogrāfiju (tuberkulozes pārbaude).",
            "A doctor's report on a chest X-ray (tuberculosis screening).",
            "Заключение врача по рентгену лёгких (проверка на туберкулёз).",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        365,
    ),
    (
        "criminal_record",
        ("Izziņa par sodāmību", "Criminal record certificate", "Справка о несудимости"),
        (
            "Mītnes valsts izziņa par sodāmību, legalizēta vai ar apostilu.",
            "A criminal record certificate from your country of residence, legalised or with an apostille.",
            "Справка о несудимости из страны проживания, легализованная или с апостилем.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        183,
    ),
    (
        "marriage_certificate",
        ("Laulības apliecība", "Marriage certificate", "Свидетельство о браке"),
        (
            "Laulību apliecinošs dokuments, legalizēts vai ar apostilu.",
            "A document proving the marriage, legalised or with an apostille.",
            "Документ, подтверждающий брак, легализованный или с апостилем.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        None,
    ),
    (
        "birth_certificate",
        ("Dzimšanas apliecība", "Birth certificate", "Свидетельство о рождении"),
        (
            "Bērna dzimšanas apliecība, legalizēta vai ar apostilu.",
            "The child's birth certificate, legalised or with an apostille.",
            "Свидетельство о рождении ребёнка, легализованное или с апостилем.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        None,
    ),
    (
        "parental_consent",
        ("Otra vecāka piekrišana", "Consent of the other parent", "Согласие второго родителя"),
        (
            "Notariāli apliecināta otra vecāka piekrišana bērna uzturēšanās Latvijā.",
            "The other parent's notarised consent to the child living in Latvia.",
            "Нотариально заверенное согласие второго родителя на проживание ребёнка в Латвии.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        183,
    ),
    (
        "enrolment_certificate",
        ("Izziņa par uzņemšanu mācību iestādē", "Enrolment certificate", "Справка о зачислении"),
        (
            "Latvijas izglītības iestādes izziņa par uzņemšanu studijās.",
            "A certificate of enrolment from a Latvian educational institution.",
            "Справка о зачислении из учебного заведения Латвии.",
        ),
        PDF_IMAGES,
        10 * MB,
        False,
        183,
    ),
    (
        "employment_contract",
        ("Darba līgums", "Employment contract", "Трудовой договор"),
        (
            "Darba līgums vai darba devēja apliecinājums par nodarbinātību Latvijā.",
            "An employment contract or the employer's confirmation of employment in Latvia.",
            "Трудовой договор или подтверждение работодателя о работе в Латвии.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        None,
    ),
    (
        "commercial_register_extract",
        (
            "Uzņēmumu reģistra izziņa",
            "Extract from the Register of Enterprises",
            "Выписка из Регистра предприятий",
        ),
        (
            "Izziņa par komercsabiedrību, kurā ārzemnieks ir dalībnieks vai valdes loceklis.",
            "An extract about the company in which the foreigner is a shareholder or board member.",
            "Выписка о компании, в которой иностранец является участником или членом правления.",
        ),
        PDF_IMAGES,
        10 * MB,
        False,
        183,
    ),
    (
        "hosting_agreement",
        ("Viesošanās līgums", "Hosting agreement", "Договор о приёме"),
        (
            "Līgums ar Latvijas zinātnisko institūciju par pētniecības projektu.",
            "An agreement with a Latvian research organisation about the research project.",
            "Договор с научным учреждением Латвии об исследовательском проекте.",
        ),
        PDF_IMAGES,
        10 * MB,
        True,
        None,
    ),
    (
        "language_certificate",
        (
            "Valsts valodas prasmes apliecība",
            "Latvian language certificate",
            "Удостоверение о знании латышского языка",
        ),
        (
            "Apliecība par latviešu valodas prasmi vismaz A2 līmenī.",
            "A certificate of Latvian language skills at least at level A2.",
            "Удостоверение о знании латышского языка не ниже уровня A2.",
        ),
        PDF_IMAGES,
        10 * MB,
        False,
        None,
    ),
]

# kind: [(purpose or None, document type, required, condition)]
BASE_FOR_TRP = [
    (None, "passport_copy", True, "always"),
    (None, "photo", True, "always"),
    (None, "means_of_subsistence", True, "always"),
    (None, "housing_proof", True, "always"),
    (None, "health_insurance", True, "always"),
    (None, "birth_certificate", True, "minor"),
    (None, "parental_consent", True, "minor"),
    ("employment", "invitation", True, "always"),
    ("employment", "employment_contract", True, "always"),
    ("studies", "enrolment_certificate", True, "always"),
    ("family", "invitation", True, "always"),
    ("family", "marriage_certificate", True, "joining_spouse"),
    ("business", "commercial_register_extract", True, "always"),
    ("research", "hosting_agreement", True, "always"),
]
REQUIREMENTS = {
    "first_trp": [
        *BASE_FOR_TRP,
        (None, "chest_xray", True, "always"),
        (None, "criminal_record", True, "adult"),
    ],
    "repeated_trp": BASE_FOR_TRP,
    "eu_long_term": [
        (None, "passport_copy", True, "always"),
        (None, "photo", True, "always"),
        (None, "means_of_subsistence", True, "always"),
        (None, "housing_proof", True, "always"),
        (None, "health_insurance", True, "always"),
        (None, "language_certificate", True, "adult"),
        (None, "birth_certificate", True, "minor"),
        ("family", "marriage_certificate", False, "joining_spouse"),
        ("employment", "employment_contract", False, "always"),
    ],
    "registration": [
        (None, "passport_copy", True, "always"),
        (None, "photo", True, "always"),
        (None, "health_insurance", True, "always"),
    ],
}

FEES_FROM = dt.date(2025, 1, 1)
FEE_BASIS = "MK noteikumi Nr. 552 (2017) — to be verified"
# kind: {speed: (cents, to_be_verified)}
FEES = {
    "first_trp": {"standard": (7000, True), "faster": (20000, True), "fastest": (30000, True)},
    "repeated_trp": {"standard": (7000, True), "faster": (20000, True), "fastest": (30000, True)},
    "eu_long_term": {"standard": (16000, False), "faster": (28000, False)},
    "registration": {"standard": (2500, True), "faster": (3000, True), "fastest": (4500, True)},
}

IL = ("Imigrācijas likums", "Immigration Law", "Иммиграционный закон")


def law(article_lv, article_en, article_ru):
    return tr(
        "law_reference",
        f"{IL[0]}, {article_lv}",
        f"{IL[1]}, {article_en}",
        f"{IL[2]}, {article_ru}",
    )


# code, outcome, purpose, kinds ([] = all), (article lv/en/ru), (text lv/en/ru)
LEGAL_GROUNDS = [
    (
        "il-23-1-employment",
        "grant",
        "employment",
        ["first_trp", "repeated_trp"],
        ("23. panta pirmā daļa (nodarbinātība)", "Section 23(1) (employment)", "ст. 23 ч. 1 (трудоустройство)"),
        (
            "Ārzemniekam ir tiesības pieprasīt termiņuzturēšanās atļauju, ja viņš ir nodarbināts Latvijā.",
            "A foreigner may request a temporary residence permit when employed in Latvia.",
            "Иностранец вправе запросить вид на жительство на срок, если он работает в Латвии.",
        ),
    ),
    (
        "il-23-1-studies",
        "grant",
        "studies",
        ["first_trp", "repeated_trp"],
        ("23. panta pirmā daļa (studijas)", "Section 23(1) (studies)", "ст. 23 ч. 1 (учёба)"),
        (
            "Ārzemniekam ir tiesības pieprasīt termiņuzturēšanās atļauju uz studiju laiku akreditētā izglītības programmā.",
            "A foreigner may request a temporary residence permit for the time of studies in an accredited programme.",
            "Иностранец вправе запросить вид на жительство на время учёбы по аккредитованной программе.",
        ),
    ),
    (
        "il-23-1-family",
        "grant",
        "family",
        ["first_trp", "repeated_trp"],
        ("23. panta pirmā daļa (ģimene)", "Section 23(1) (family)", "ст. 23 ч. 1 (семья)"),
        (
            "Ārzemniekam ir tiesības pieprasīt termiņuzturēšanās atļauju kā Latvijas pilsoņa, nepilsoņa vai "
            "uzturēšanās atļaujas turētāja ģimenes loceklim.",
            "A foreigner may request a temporary residence permit as a family member of a Latvian citizen, "
            "non-citizen or residence permit holder.",
            "Иностранец вправе запросить вид на жительство на срок как член семьи гражданина, негражданина "
            "Латвии или владельца вида на жительство.",
        ),
    ),
    (
        "il-23-1-business",
        "grant",
        "business",
        ["first_trp", "repeated_trp"],
        ("23. panta pirmā daļa (investīcijas)", "Section 23(1) (investment)", "ст. 23 ч. 1 (инвестиции)"),
        (
            "Ārzemniekam ir tiesības pieprasīt termiņuzturēšanās atļauju, ja viņš ir veicis likumā noteiktās "
            "investīcijas vai vada komercsabiedrību.",
            "A foreigner may request a temporary residence permit after making the investment the law sets or "
            "when running a company.",
            "Иностранец вправе запросить вид на жительство на срок, сделав установленные законом инвестиции "
            "или руководя компанией.",
        ),
    ),
    (
        "il-23-1-research",
        "grant",
        "research",
        ["first_trp", "repeated_trp"],
        ("23. panta pirmā daļa (pētniecība)", "Section 23(1) (research)", "ст. 23 ч. 1 (исследования)"),
        (
            "Ārzemniekam ir tiesības pieprasīt termiņuzturēšanās atļauju zinātniskās darbības veikšanai.",
            "A foreigner may request a temporary residence permit to carry out research.",
            "Иностранец вправе запросить вид на жительство на срок для научной деятельности.",
        ),
    ),
    (
        "il-24-eu-long-term",
        "grant",
        None,
        ["eu_long_term"],
        (
            "24. panta pirmā daļa un 54.¹ pants",
            "Section 24(1) and Section 54.1",
            "ст. 24 ч. 1 и ст. 54.1",
        ),
        (
            "Ārzemniekam, kurš Latvijā likumīgi un nepārtraukti uzturējies piecus gadus, piešķir Eiropas "
            "Savienības pastāvīgā iedzīvotāja statusu.",
            "A foreigner who has lived in Latvia legally and without interruption for five years is granted "
            "the status of EU long-term resident.",
            "Иностранцу, законно и непрерывно прожившему в Латвии пять лет, предоставляется статус постоянного "
            "жителя ЕС.",
        ),
    ),
    (
        "il-34-false-information",
        "refuse",
        None,
        [],
        ("34. panta pirmā daļa", "Section 34(1)", "ст. 34 ч. 1"),
        (
            "Uzturēšanās atļauju atsaka, ja ārzemnieks sniedzis nepatiesas ziņas vai iesniedzis viltotus dokumentus.",
            "A residence permit is refused when the foreigner gave false information or submitted forged documents.",
            "В виде на жительство отказывают, если иностранец сообщил ложные сведения или подал поддельные "
            "документы.",
        ),
    ),
    (
        "il-34-threat",
        "refuse",
        None,
        [],
        ("34. panta pirmā daļa (drošība)", "Section 34(1) (security)", "ст. 34 ч. 1 (безопасность)"),
        (
            "Uzturēšanās atļauju atsaka, ja ārzemnieks apdraud valsts drošību, sabiedrisko kārtību vai "
            "sabiedrības veselību.",
            "A residence permit is refused when the foreigner threatens national security, public order or "
            "public health.",
            "В виде на жительство отказывают, если иностранец угрожает государственной безопасности, "
            "общественному порядку или здоровью населения.",
        ),
    ),
    (
        "il-35-entry-ban",
        "refuse",
        None,
        [],
        ("35. pants", "Section 35", "ст. 35"),
        (
            "Uzturēšanās atļauju neizsniedz ārzemniekam, kurš iekļauts to personu sarakstā, kurām ieceļošana "
            "Latvijā aizliegta.",
            "A residence permit is not issued to a foreigner on the list of persons banned from entering Latvia.",
            "Вид на жительство не выдаётся иностранцу, включённому в список лиц, которым запрещён въезд в Латвию.",
        ),
    ),
    (
        "il-23-means",
        "refuse",
        None,
        ["first_trp", "repeated_trp", "eu_long_term"],
        (
            "23. panta otrā daļa (finanšu līdzekļi)",
            "Section 23(2) (means of subsistence)",
            "ст. 23 ч. 2 (средства)",
        ),
        (
            "Uzturēšanās atļauju atsaka, ja ārzemniekam nav pietiekamu finanšu līdzekļu uzturēšanās laikam.",
            "A residence permit is refused when the foreigner lacks sufficient means of subsistence for the stay.",
            "В виде на жительство отказывают, если у иностранца нет достаточных средств на время пребывания.",
        ),
    ),
]


def load(apps, schema_editor):
    Purpose = apps.get_model("applications", "Purpose")
    ApplicationKind = apps.get_model("applications", "ApplicationKind")
    DocumentType = apps.get_model("applications", "DocumentType")
    DocumentRequirement = apps.get_model("applications", "DocumentRequirement")
    Fee = apps.get_model("applications", "Fee")
    LegalGround = apps.get_model("applications", "LegalGround")
    PayeeAccount = apps.get_model("applications", "PayeeAccount")

    purposes = {}
    for position, (code, requires_invitation, names) in enumerate(PURPOSES, start=1):
        purposes[code] = Purpose.objects.create(
            code=code, requires_invitation=requires_invitation, position=position, **tr("name", *names)
        )

    kinds = {}
    for spec in KINDS:
        kind = ApplicationKind.objects.create(
            code=spec["code"],
            position=spec["position"],
            needs_registration=spec["needs_registration"],
            speeds=spec["speeds"],
            **tr("name", *spec["name"]),
            **tr("description", *spec["description"]),
        )
        kind.purposes.set([purposes[code] for code in spec["purposes"]])
        kinds[spec["code"]] = kind

    document_types = {}
    for code, names, descriptions, content_types, max_size, needs_translation, max_age in DOCUMENT_TYPES:
        document_types[code] = DocumentType.objects.create(
            code=code,
            accepted_content_types=content_types,
            max_size_bytes=max_size,
            needs_translation=needs_translation,
            max_age_days=max_age,
            **tr("name", *names),
            **tr("description", *descriptions),
        )

    for kind_code, lines in REQUIREMENTS.items():
        for position, (purpose_code, document_code, required, condition) in enumerate(lines, start=1):
            DocumentRequirement.objects.create(
                kind=kinds[kind_code],
                purpose=purposes[purpose_code] if purpose_code else None,
                document_type=document_types[document_code],
                required=required,
                condition=condition,
                position=position,
            )

    for kind_code, by_speed in FEES.items():
        for speed, (cents, to_be_verified) in by_speed.items():
            Fee.objects.create(
                kind=kinds[kind_code],
                speed=speed,
                amount_cents=cents,
                currency="EUR",
                valid_from=FEES_FROM,
                to_be_verified=to_be_verified,
                legal_basis=FEE_BASIS if to_be_verified else "MK noteikumi Nr. 552 (2017)",
            )

    for code, outcome, purpose_code, kind_codes, articles, texts in LEGAL_GROUNDS:
        ground = LegalGround.objects.create(
            code=code,
            outcome=outcome,
            purpose=purposes[purpose_code] if purpose_code else None,
            to_be_verified=True,
            **law(*articles),
            **tr("text", *texts),
        )
        ground.kinds.set([kinds[kind_code] for kind_code in kind_codes])

    PayeeAccount.objects.create(
        registration_number="90000050138",
        iban="LV23TREL1060190911000",
        bic="TRELLV22",
        valid_from=FEES_FROM,
        to_be_verified=True,
        **tr("name", "Valsts kase", "State Treasury", "Государственная казна"),
        **tr("bank_name", "Valsts kase", "State Treasury", "Государственная казна"),
    )


def unload(apps, schema_editor):
    for model in ("LegalGround", "Fee", "DocumentRequirement", "PayeeAccount"):
        apps.get_model("applications", model).objects.all().delete()
    for model in ("DocumentType", "ApplicationKind", "Purpose"):
        apps.get_model("applications", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
