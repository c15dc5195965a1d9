"""The names benchmark's labels: which people a query is a right answer for."""

from bench.names.dataset import _could_write, _shape, build


def test_initials_and_dropped_tokens_are_recognised_as_writings() -> None:
    rajesh = ["Rajesh", "Kumar", "Sharma"]
    assert _could_write(rajesh, *_shape("R. K. Sharma"))
    assert _could_write(rajesh, *_shape("RK Sharma"))
    assert _could_write(rajesh, *_shape("SHARMA R K"))
    assert _could_write(rajesh, *_shape("Rajesh Sharma"))
    assert not _could_write(rajesh, *_shape("R. Sharma"))  # `K.` left out is no writing of it
    assert not _could_write(rajesh, *_shape("R. P. Sharma"))
    assert not _could_write(rajesh, *_shape("Ramesh Kumar Sharma"))
    assert _could_write(["Murugan", "Kandasamy"], *_shape("K. Murugan"))  # Tamil patronymic
    assert _could_write(["Harleen", "Kaur"], *_shape("Harleen Preet Kaur"))  # a middle name
    assert not _could_write(["Harleen", "Kaur"], *_shape("हरलीन कौर"))  # scripts: not here


def test_labels_name_every_right_answer_and_negatives_have_none() -> None:
    data = build(seed=3, gallery_size=400, per_class=12)
    by_pid = {g.pid: g for g in data.gallery}
    negatives = [q for q in data.queries if q.target is None]
    assert negatives and all(not q.also for q in negatives)
    several = [q for q in data.queries if q.also]
    assert several, "at 400 people some initials queries fit several of them"
    for q in several:
        assert q.target not in q.also and len(set(q.also)) == len(q.also)
        assert all(pid in by_pid or pid.startswith("c") for pid in q.also)
