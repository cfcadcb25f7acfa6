"""Short names that were cut mid-word or left out the district (issue #14), in databases the
demo filled before gonghui/orgs/naming.py: a grassroots union's short name made of the first 12
characters of its employer's name (重庆弹子石村镇银行股份有工会) is made again from whole words;
a holding pool's bare 周转库 becomes its full name (渝北区周转库). Other short names, typed by
people, are left as they are."""

from django.db import migrations

UNION_SUFFIX = "工会委员会"


def whole_words(apps, schema_editor):
    from gonghui.orgs.naming import HOLDING_POOL, short_union_name

    Org = apps.get_model("orgs", "Org")
    for pool in Org.objects.filter(kind="holding_pool", short_name=HOLDING_POOL):
        pool.short_name = pool.name[:60]
        pool.save(update_fields=["short_name"])
    cut = []
    for org in Org.objects.filter(kind="grassroots", name__endswith=UNION_SUFFIX).only(
        "pk", "name", "short_name"
    ):
        employer = org.name[: -len(UNION_SUFFIX)]
        if len(employer) > 12 and org.short_name == f"{employer[:12]}工会":
            org.short_name = short_union_name(employer)
            cut.append(org)
    Org.objects.bulk_update(cut, ["short_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_org_depth_path_idx")]

    operations = [migrations.RunPython(whole_words, migrations.RunPython.noop, elidable=True)]
