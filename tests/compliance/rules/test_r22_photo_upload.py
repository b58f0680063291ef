from govapp.compliance.rules import r22_photo_upload as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_camera_and_watermark_photos():
    assert m.check(facts(scan=scan(caps=("camera",), keywords=(("水印相机", "photo_upload"),))))


def test_fails_on_declared_photo_upload():
    assert m.check(facts(declared=declared(feature("工作留痕", "photo_upload"))))


def test_passes_without_camera_or_with_avatar_upload_only():
    assert m.check(facts(scan=scan(keywords=(("工作照片", "photo_upload"),)))) == []
    assert (
        m.check(facts(scan=scan(caps=("camera",), keywords=(("uploadPhoto", "photo_upload"),))))
        == []
    )
