from agent.settings import ZoneRule
from agent.zones import ZoneMap, parse_zone_flag


def test_longest_prefix_wins_and_default_applies():
    zones = ZoneMap([ZoneRule("shared", "/srv/share"), ZoneRule("local", "/srv/share/private")], "local")
    assert zones.match("/srv/share/a.csv").zone == "shared"
    assert zones.match("/srv/share/a.csv").share_root == "/srv/share"
    assert zones.match("/srv/share/private/a.csv").zone == "local"
    assert zones.match("/srv/shared-not/a.csv").zone == "local"  # a prefix of the name, not of the path
    assert zones.match(b"/srv/share/\xff.csv").zone == "shared"


def test_glob_rules():
    zones = ZoneMap([ZoneRule("shared", "/mnt/*/public/*", share_root="/mnt")])
    m = zones.match("/mnt/nas1/public/x.csv")
    assert (m.zone, m.share_root) == ("shared", "/mnt")


def test_zone_flag():
    rule = parse_zone_flag("shared=/srv/x")
    assert (rule.zone, rule.path, rule.share_root) == ("shared", "/srv/x", "/srv/x")
    for bad in ("shared", "=/x", "shared="):
        try:
            parse_zone_flag(bad)
        except ValueError as e:
            assert "NAME=PATH" in str(e)
        else:
            raise AssertionError(bad)


def test_paths_and_globs_named_through_a_symlink_are_resolved(tmp_path):
    from agent.zones import canonical, canonical_glob

    real = tmp_path / "srv" / "share"
    (real / "人事").mkdir(parents=True)
    link = tmp_path / "mnt"
    link.symlink_to(tmp_path / "srv", target_is_directory=True)
    assert canonical(str(link / "share")) == str(real)
    assert canonical_glob(f"{link}/share/*/tmp/*") == f"{real}/*/tmp/*"
    assert canonical_glob("*/.git/*") == "*/.git/*"  # no fixed folder to resolve
    assert canonical_glob("/no/such/place/*.csv") == "/no/such/place/*.csv"
    zones = ZoneMap([ZoneRule("shared", f"{link}/share/*"), ZoneRule("shared", str(link / "share" / "人事"))])
    assert zones.match(str(real / "a.csv")).zone == "shared"  # the glob
    assert zones.match(str(real / "人事" / "a.csv")).share_root == str(real / "人事")


def test_matching_a_walked_path_resolves_nothing(monkeypatch):
    # rules are resolved once; each file's path is already real, and resolving it again would
    # cost an lstat per folder per file (a round trip each on a network share)
    import os

    from agent import zones as zones_module

    zones = ZoneMap([ZoneRule("shared", "/srv/share")], "local")

    def no_realpath(path):
        raise AssertionError(f"resolved {path}")

    monkeypatch.setattr(zones_module.os.path, "realpath", no_realpath)
    assert zones.match(b"/srv/share/dept/a.csv").zone == "shared"
    assert zones.match(os.fsdecode(b"/home/u/b.csv")).zone == "local"


def test_files_of_a_folder_share_an_answer_that_is_each_file_s_own():
    # A file named by a rule of its own, a nested share and a folder beside it: the answer
    # remembered per folder is, for every file, the one the rules give that file.
    import itertools

    rules = [ZoneRule(zone="shared", path="/srv/share"), ZoneRule(zone="local", path="/srv/share/private"),
             ZoneRule(zone="shared", path="/srv/share/private/open.csv"), ZoneRule(zone="shared", path="/data")]
    cached, fresh = ZoneMap(rules), ZoneMap(rules)
    folders = [b"/srv", b"/srv/share", b"/srv/share/private", b"/srv/share/private/sub", b"/data", b"/home/u",
               b"/srv/share2"]
    names = [b"open.csv", b"a.txt", b"private", b"\xff.txt"]
    for folder, name in itertools.product(folders * 2, names):
        path = folder + b"/" + name
        assert cached.match(path) == fresh._match(path), path
    assert cached.zone_for(b"/srv/share/private/open.csv") == "shared"
    assert cached.zone_for(b"/srv/share/private/a.txt") == "local"


def test_a_glob_rule_is_asked_per_file():
    zones = ZoneMap([ZoneRule(zone="shared", path="/mnt/*/public/*.csv")])
    assert zones.zone_for(b"/mnt/nas/public/a.csv") == "shared"
    assert zones.zone_for(b"/mnt/nas/public/a.txt") == "local"  # the same folder, another answer
