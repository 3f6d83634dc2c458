"""Load the Office's territorial units (divisions and branches) and their reception hours.

Source: the OCMA customer service standard and DESIGN.md: Riga 1st Division receives on working days
8:00-20:00; the other divisions Mon-Thu 9:00-16:30 and Fri 9:00-16:00; branches on their own days.
Street addresses, phones and the branch days are to be checked against the Office's current published list
by an administrator (they are data, editable in the admin); the migration only seeds a complete starting set.
Residence permit applications, biometrics and card collection are handled in Riga 1st Division and in the
divisions of the republic cities; the other units serve citizens' documents only.
"""

import datetime as dt

from django.db import migrations

# code, Latvian, English, Russian, address, handles residence permits
DIVISIONS = [
    ("riga-1", "Rīgas 1. nodaļa", "Riga 1st Division", "1-е Рижское отделение",
     "Čiekurkalna 1. līnija 1, k-3, Rīga, LV-1026", True),
    ("riga-2", "Rīgas 2. nodaļa", "Riga 2nd Division", "2-е Рижское отделение", "Rīga", False),
    ("aizkraukle", "Aizkraukles nodaļa", "Aizkraukle Division", "Отделение в Айзкраукле", "Aizkraukle", False),
    ("aluksne", "Alūksnes nodaļa", "Alūksne Division", "Отделение в Алуксне", "Alūksne", False),
    ("balvi", "Balvu nodaļa", "Balvi Division", "Отделение в Балви", "Balvi", False),
    ("bauska", "Bauskas nodaļa", "Bauska Division", "Отделение в Бауске", "Bauska", False),
    ("cesis", "Cēsu nodaļa", "Cēsis Division", "Отделение в Цесисе", "Cēsis", False),
    ("daugavpils", "Daugavpils nodaļa", "Daugavpils Division", "Отделение в Даугавпилсе", "Daugavpils", True),
    ("dobele", "Dobeles nodaļa", "Dobele Division", "Отделение в Добеле", "Dobele", False),
    ("gulbene", "Gulbenes nodaļa", "Gulbene Division", "Отделение в Гулбене", "Gulbene", False),
    ("jelgava", "Jelgavas nodaļa", "Jelgava Division", "Отделение в Елгаве", "Jelgava", True),
    ("jekabpils", "Jēkabpils nodaļa", "Jēkabpils Division", "Отделение в Екабпилсе", "Jēkabpils", True),
    ("jurmala", "Jūrmalas nodaļa", "Jūrmala Division", "Отделение в Юрмале", "Jūrmala", False),
    ("kraslava", "Krāslavas nodaļa", "Krāslava Division", "Отделение в Краславе", "Krāslava", False),
    ("kuldiga", "Kuldīgas nodaļa", "Kuldīga Division", "Отделение в Кулдиге", "Kuldīga", False),
    ("liepaja", "Liepājas nodaļa", "Liepāja Division", "Отделение в Лиепае", "Liepāja", True),
    ("limbazi", "Limbažu nodaļa", "Limbaži Division", "Отделение в Лимбажи", "Limbaži", False),
    ("ludza", "Ludzas nodaļa", "Ludza Division", "Отделение в Лудзе", "Ludza", False),
    ("madona", "Madonas nodaļa", "Madona Division", "Отделение в Мадоне", "Madona", False),
    ("ogre", "Ogres nodaļa", "Ogre Division", "Отделение в Огре", "Ogre", False),
    ("preili", "Preiļu nodaļa", "Preiļi Division", "Отделение в Прейли", "Preiļi", False),
    ("rezekne", "Rēzeknes nodaļa", "Rēzekne Division", "Отделение в Резекне", "Rēzekne", True),
    ("saldus", "Saldus nodaļa", "Saldus Division", "Отделение в Салдусе", "Saldus", False),
    ("sigulda", "Siguldas nodaļa", "Sigulda Division", "Отделение в Сигулде", "Sigulda", False),
    ("talsi", "Talsu nodaļa", "Talsi Division", "Отделение в Талси", "Talsi", False),
    ("tukums", "Tukuma nodaļa", "Tukums Division", "Отделение в Тукумсе", "Tukums", False),
    ("valka", "Valkas nodaļa", "Valka Division", "Отделение в Валке", "Valka", False),
    ("valmiera", "Valmieras nodaļa", "Valmiera Division", "Отделение в Валмиере", "Valmiera", True),
    ("ventspils", "Ventspils nodaļa", "Ventspils Division", "Отделение в Вентспилсе", "Ventspils", True),
]

# code, parent division, Latvian, English, Russian, address, weekdays (0 = Monday)
BRANCHES = [
    ("salaspils", "riga-2", "Salaspils filiāle", "Salaspils Branch", "Филиал в Саласпилсе", "Salaspils", [2]),
    ("smiltene", "valka", "Smiltenes filiāle", "Smiltene Branch", "Филиал в Смилтене", "Smiltene", [1]),
    ("livani", "preili", "Līvānu filiāle", "Līvāni Branch", "Филиал в Ливаны", "Līvāni", [3]),
    ("aizpute", "liepaja", "Aizputes filiāle", "Aizpute Branch", "Филиал в Айзпуте", "Aizpute", [2]),
    ("ilukste", "daugavpils", "Ilūkstes filiāle", "Ilūkste Branch", "Филиал в Илуксте", "Ilūkste", [1]),
    ("vilani", "rezekne", "Viļānu filiāle", "Viļāni Branch", "Филиал в Виляны", "Viļāni", [3]),
]

T = dt.time


def _hours(code):
    if code == "riga-1":
        return [(day, T(8, 0), T(20, 0)) for day in range(5)]
    return [(day, T(9, 0), T(16, 30)) for day in range(4)] + [(4, T(9, 0), T(16, 0))]


def load_units(apps, schema_editor):
    Unit = apps.get_model("identity", "TerritorialUnit")
    Hours = apps.get_model("identity", "ReceptionHours")

    def save(code, lv, en, ru, address, kind, parent, handles, hours):
        unit, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": lv,
                "name_lv": lv,
                "name_en": en,
                "name_ru": ru,
                "address": address,
                "kind": kind,
                "parent": parent,
                "handles_residence_permits": handles,
                "is_active": True,
            },
        )
        Hours.objects.filter(unit=unit).delete()
        Hours.objects.bulk_create(
            [Hours(unit=unit, weekday=day, opens=opens, closes=closes) for day, opens, closes in hours]
        )
        return unit

    divisions = {}
    for code, lv, en, ru, address, handles in DIVISIONS:
        divisions[code] = save(code, lv, en, ru, address, "division", None, handles, _hours(code))
    for code, parent, lv, en, ru, address, days in BRANCHES:
        hours = [(day, T(9, 0), T(16, 0)) for day in days]
        save(code, lv, en, ru, address, "branch", divisions[parent], False, hours)


def unload_units(apps, schema_editor):
    Unit = apps.get_model("identity", "TerritorialUnit")
    Unit.objects.filter(code__in=[row[0] for row in BRANCHES]).delete()
    Unit.objects.filter(code__in=[row[0] for row in DIVISIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(load_units, unload_units)]
