"""Seed holidays and worked weekend days from chinese-calendar for the years it knows."""

from django.db import migrations


def seed(apps, schema_editor):
    from govapp.core.calendar import chinese_calendar_days, chinese_calendar_years

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    years = chinese_calendar_years()
    by_year = chinese_calendar_days(range(years[0], years[-1] + 1))
    known = set(CalendarYear.objects.values_list("year", flat=True))
    for year in years:
        if year in known:
            continue
        CalendarYear.objects.create(
            year=year, source="chinese_calendar", notice="chinese-calendar 1.11.0"
        )
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=d, kind=k, name=n)
                for d, (k, n) in sorted(by_year.get(year, {}).items())
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
