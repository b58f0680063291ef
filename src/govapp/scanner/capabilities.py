"""Capabilities normalised across platforms, each with the platform-specific evidence.

One vocabulary for every kind of package, so that the compliance rules can ask "can this app
track location in the background?" without knowing whether the answer came from an Android
permission, a HarmonyOS ``requestPermissions`` entry, an iOS ``Info.plist`` usage description, a
mini-program scope or API call, or a quick-app feature.

Sources of the mappings:

* Android: the platform permission list and API reference
  (https://developer.android.com/reference/android/Manifest.permission) and the framework classes
  named in ``method_refs`` (``Landroid/location/LocationManager;->requestLocationUpdates``).
* HarmonyOS: the application permission list
  (https://developer.huawei.com/consumer/cn/doc/harmonyos-guides/permissions-for-all).
* iOS: Information Property List keys ("Protected resources",
  https://developer.apple.com/documentation/bundleresources/information_property_list).
* WeChat / Alipay mini-programs: ``app.json`` ``permission`` scopes, ``requiredPrivateInfos``,
  ``requiredBackgroundModes`` and the ``wx.*`` / ``my.*`` API reference
  (https://developers.weixin.qq.com/miniprogram/dev/framework/config.html,
  https://opendocs.alipay.com/mini/api).
* Quick apps: ``manifest.json`` ``features`` (https://doc.quickapp.cn/framework/manifest.html).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govapp.scanner.facts import Capability, Component, Evidence, SdkHit
from govapp.scanner.sdk import catalogue, descriptor_package

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

CAPABILITIES = (
    "accessibility",
    "activity-recognition",
    "autostart",
    "background-location",
    "biometric",
    "bluetooth",
    "body-sensors",
    "calendar",
    "call-log",
    "camera",
    "clipboard",
    "contacts",
    "device-id",
    "face-recognition",
    "install-packages",
    "installed-apps",
    "location",
    "location-tracking",
    "media-library",
    "microphone",
    "nfc",
    "notification-access",
    "notifications",
    "overlay",
    "phone",
    "sms",
    "storage",
    "usage-stats",
)

# -- Android ---------------------------------------------------------------------------------

_ANDROID_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "ACCESS_FINE_LOCATION": ("location",),
    "ACCESS_COARSE_LOCATION": ("location",),
    "ACCESS_BACKGROUND_LOCATION": ("background-location",),
    "FOREGROUND_SERVICE_LOCATION": ("background-location",),
    "CAMERA": ("camera",),
    "READ_MEDIA_IMAGES": ("media-library",),
    "READ_MEDIA_VIDEO": ("media-library",),
    "READ_MEDIA_AUDIO": ("media-library",),
    "READ_MEDIA_VISUAL_USER_SELECTED": ("media-library",),
    "ACCESS_MEDIA_LOCATION": ("media-library",),
    "READ_EXTERNAL_STORAGE": ("storage",),
    "WRITE_EXTERNAL_STORAGE": ("storage",),
    "MANAGE_EXTERNAL_STORAGE": ("storage",),
    "RECORD_AUDIO": ("microphone",),
    "READ_CONTACTS": ("contacts",),
    "WRITE_CONTACTS": ("contacts",),
    "GET_ACCOUNTS": ("contacts",),
    "READ_SMS": ("sms",),
    "SEND_SMS": ("sms",),
    "RECEIVE_SMS": ("sms",),
    "RECEIVE_MMS": ("sms",),
    "RECEIVE_WAP_PUSH": ("sms",),
    "READ_PHONE_STATE": ("phone", "device-id"),
    "READ_PHONE_NUMBERS": ("phone",),
    "READ_PRIVILEGED_PHONE_STATE": ("device-id",),
    "CALL_PHONE": ("phone",),
    "ANSWER_PHONE_CALLS": ("phone",),
    "PROCESS_OUTGOING_CALLS": ("phone",),
    "USE_SIP": ("phone",),
    "READ_CALL_LOG": ("call-log",),
    "WRITE_CALL_LOG": ("call-log",),
    "READ_CALENDAR": ("calendar",),
    "WRITE_CALENDAR": ("calendar",),
    "PACKAGE_USAGE_STATS": ("usage-stats",),
    "GET_TASKS": ("usage-stats",),
    "BLUETOOTH": ("bluetooth",),
    "BLUETOOTH_ADMIN": ("bluetooth",),
    "BLUETOOTH_CONNECT": ("bluetooth",),
    "BLUETOOTH_SCAN": ("bluetooth",),
    "BLUETOOTH_ADVERTISE": ("bluetooth",),
    "NFC": ("nfc",),
    "REQUEST_INSTALL_PACKAGES": ("install-packages",),
    "INSTALL_PACKAGES": ("install-packages",),
    "QUERY_ALL_PACKAGES": ("installed-apps",),
    "SYSTEM_ALERT_WINDOW": ("overlay",),
    "BIND_ACCESSIBILITY_SERVICE": ("accessibility",),
    "POST_NOTIFICATIONS": ("notifications",),
    "BIND_NOTIFICATION_LISTENER_SERVICE": ("notification-access",),
    "USE_BIOMETRIC": ("biometric",),
    "USE_FINGERPRINT": ("biometric",),
    "BODY_SENSORS": ("body-sensors",),
    "BODY_SENSORS_BACKGROUND": ("body-sensors",),
    "ACTIVITY_RECOGNITION": ("activity-recognition",),
    "RECEIVE_BOOT_COMPLETED": ("autostart",),
    "READ_CLIPBOARD_IN_BACKGROUND": ("clipboard",),
}
# Permissions outside the android.permission namespace.
_ANDROID_OTHER_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "com.google.android.gms.permission.ACTIVITY_RECOGNITION": ("activity-recognition",),
    "com.android.launcher.permission.INSTALL_SHORTCUT": (),
    "com.google.android.gms.permission.AD_ID": ("device-id",),
}

# Framework methods (class descriptor ;-> method name) that exercise a capability.
_ANDROID_METHODS: dict[str, str] = {
    "Landroid/location/LocationManager;->requestLocationUpdates": "location",
    "Landroid/location/LocationManager;->requestSingleUpdate": "location",
    "Landroid/location/LocationManager;->getLastKnownLocation": "location",
    "Landroid/location/LocationManager;->getCurrentLocation": "location",
    "Lcom/google/android/gms/location/FusedLocationProviderClient;->requestLocationUpdates": (
        "location"
    ),
    "Lcom/google/android/gms/location/FusedLocationProviderClient;->getLastLocation": "location",
    "Lcom/google/android/gms/location/FusedLocationProviderClient;->getCurrentLocation": (
        "location"
    ),
    "Landroid/hardware/Camera;->open": "camera",
    "Landroid/hardware/camera2/CameraManager;->openCamera": "camera",
    "Landroidx/camera/lifecycle/ProcessCameraProvider;->bindToLifecycle": "camera",
    "Landroid/media/AudioRecord;-><init>": "microphone",
    "Landroid/media/AudioRecord;->startRecording": "microphone",
    "Landroid/media/MediaRecorder;->setAudioSource": "microphone",
    "Landroid/telephony/SmsManager;->sendTextMessage": "sms",
    "Landroid/telephony/SmsManager;->sendMultipartTextMessage": "sms",
    "Landroid/telephony/TelephonyManager;->getLine1Number": "phone",
    "Landroid/telephony/TelephonyManager;->getDeviceId": "device-id",
    "Landroid/telephony/TelephonyManager;->getImei": "device-id",
    "Landroid/telephony/TelephonyManager;->getMeid": "device-id",
    "Landroid/telephony/TelephonyManager;->getSubscriberId": "device-id",
    "Landroid/telephony/TelephonyManager;->getSimSerialNumber": "device-id",
    "Landroid/net/wifi/WifiInfo;->getMacAddress": "device-id",
    "Ljava/net/NetworkInterface;->getHardwareAddress": "device-id",
    "Landroid/app/usage/UsageStatsManager;->queryUsageStats": "usage-stats",
    "Landroid/app/usage/UsageStatsManager;->queryEvents": "usage-stats",
    "Landroid/bluetooth/BluetoothAdapter;->startDiscovery": "bluetooth",
    "Landroid/bluetooth/BluetoothAdapter;->getBondedDevices": "bluetooth",
    "Landroid/bluetooth/le/BluetoothLeScanner;->startScan": "bluetooth",
    "Landroid/nfc/NfcAdapter;->enableReaderMode": "nfc",
    "Landroid/nfc/NfcAdapter;->enableForegroundDispatch": "nfc",
    "Landroid/content/pm/PackageInstaller;->createSession": "install-packages",
    "Landroid/content/pm/PackageManager;->getInstalledPackages": "installed-apps",
    "Landroid/content/pm/PackageManager;->getInstalledApplications": "installed-apps",
    "Landroid/content/ClipboardManager;->getPrimaryClip": "clipboard",
    "Landroid/content/ClipboardManager;->getText": "clipboard",
    "Landroid/accessibilityservice/AccessibilityService;->getRootInActiveWindow": "accessibility",
    "Landroid/accessibilityservice/AccessibilityService;->performGlobalAction": "accessibility",
    "Landroid/service/notification/NotificationListenerService;->getActiveNotifications": (
        "notification-access"
    ),
    "Landroid/hardware/biometrics/BiometricPrompt;->authenticate": "biometric",
    "Landroid/hardware/fingerprint/FingerprintManager;->authenticate": "biometric",
    "Landroidx/biometric/BiometricPrompt;->authenticate": "biometric",
    "Landroid/media/FaceDetector;->findFaces": "face-recognition",
}
_FACE_CATEGORY = "face_liveness"

# Continuous location requests (a listener called again and again) and network sending: together,
# with background location, the evidence of location tracking (``location-tracking``).
# Sources: https://developer.android.com/reference/android/location/LocationManager,
# https://developers.google.com/android/reference/com/google/android/gms/location/FusedLocationProviderClient,
# https://lbs.amap.com/api/android-location-sdk/guide/android-location/getlocation (AMapLocationClient),
# https://lbsyun.baidu.com/faq/api?title=android-locsdk (LocationClient),
# https://lbs.qq.com/mobile/androidLocationSDK/androidGeoGuide/androidGeoOverview.
_ANDROID_CONTINUOUS_LOCATION = frozenset(
    {
        "Landroid/location/LocationManager;->requestLocationUpdates",
        "Lcom/google/android/gms/location/FusedLocationProviderClient;->requestLocationUpdates",
        "Lcom/amap/api/location/AMapLocationClient;->startLocation",
        "Lcom/baidu/location/LocationClient;->registerLocationListener",
        "Lcom/baidu/location/LocationClient;->start",
        "Lcom/tencent/map/geolocation/TencentLocationManager;->requestLocationUpdates",
    }
)
_ANDROID_SENDING = frozenset(
    {
        "Ljava/net/HttpURLConnection;->getOutputStream",
        "Ljava/net/URLConnection;->getOutputStream",
        "Ljavax/net/ssl/HttpsURLConnection;->getOutputStream",
        "Lokhttp3/OkHttpClient;->newCall",
        "Lokhttp3/Call;->enqueue",
        "Lokhttp3/Call;->execute",
        "Lokhttp3/WebSocket;->send",
        "Lorg/apache/http/client/HttpClient;->execute",
        "Lcom/android/volley/RequestQueue;->add",
    }
)

# Classes whose method references betray a capability: the DEX reader looks these up directly.
ANDROID_METHOD_CLASSES = frozenset(
    k.split(";->", 1)[0] + ";"
    for k in (*_ANDROID_METHODS, *_ANDROID_CONTINUOUS_LOCATION, *_ANDROID_SENDING)
)
TRACKING = "location-tracking"


class _Collector:
    def __init__(self) -> None:
        self._caps: dict[str, dict[tuple[str, str, str], Evidence]] = {}

    def add(self, cap: str, source: str, value: str, where: str = "") -> None:
        self._caps.setdefault(cap, {}).setdefault(
            (source, value, where), Evidence(source=source, value=value, where=where)
        )

    def result(self) -> list[Capability]:
        return [
            Capability(id=cap, evidence=sorted(ev.values(), key=lambda e: (e.source, e.value)))
            for cap, ev in sorted(self._caps.items())
        ]


def _android_permission_caps(name: str) -> tuple[str, ...]:
    if name.startswith("android.permission."):
        return _ANDROID_PERMISSIONS.get(name[len("android.permission.") :], ())
    return _ANDROID_OTHER_PERMISSIONS.get(name, ())


def android_capabilities(
    *,
    permissions: Iterable[str],
    method_refs: Iterable[str] = (),
    components: Iterable[Component | str] = (),
    sdks: Iterable[SdkHit] = (),
) -> list[Capability]:
    """Capabilities of an Android package (APK or AAB).

    ``method_refs`` are ``Lpkg/Class;->name`` strings (a trailing signature is ignored); a call
    into a face-liveness SDK's package (per the SDK catalogue) or a face-liveness ``SdkHit`` gives
    ``face-recognition``.  ``components`` are used for face SDK activities declared in the manifest.
    """
    out = _Collector()
    for perm in permissions:
        for cap in _android_permission_caps(perm):
            out.add(cap, "permission", perm)
    cat = catalogue()
    classes: set[str] = set()
    for ref in method_refs:
        key = ref.split("(", 1)[0]
        method_cap = _ANDROID_METHODS.get(key)
        if method_cap is not None:
            out.add(method_cap, "method_ref", key)
        cls, sep, _ = key.partition(";->")
        if sep:
            classes.add(cls + ";")
    face_packages: dict[str, str] = {}
    for cls in classes:
        pkg = descriptor_package(cls)
        if pkg is None:
            continue
        found = cat.match_package(pkg)
        if found is not None and found[1].category == _FACE_CATEGORY:
            face_packages.setdefault(found[1].id, pkg)
    for sdk_id, pkg in sorted(face_packages.items()):
        out.add("face-recognition", "sdk", sdk_id, pkg)
    for comp in components:
        name = comp.name if isinstance(comp, Component) else comp
        pkg = descriptor_package(name)
        found = cat.match_package(pkg) if pkg else None
        sdk = found[1] if found else cat.exact.get("component", {}).get(name)
        if sdk is not None and sdk.category == _FACE_CATEGORY:
            out.add("face-recognition", "sdk", sdk.id, name)
    for hit in sdks:
        if hit.category == _FACE_CATEGORY:
            out.add("face-recognition", "sdk", hit.id)
    return out.result()


def android_tracking(
    method_refs: Iterable[tuple[str, str]], caps: Iterable[Capability]
) -> list[Capability]:
    """``location-tracking`` for an Android package: continuous location requests and network
    sending in the DEX code of an app that may locate in the background.

    ``method_refs`` are ``(Lpkg/Class;->name, dex file name)`` pairs.  A DEX file does not say
    which class calls what, so the evidence is per file, and it counts only together with
    ``background-location`` (a foreground map that follows the user is not tracking)."""
    if not any(c.id == "background-location" for c in caps):
        return []
    continuous: dict[str, str] = {}
    sending: dict[str, str] = {}
    for ref, where in method_refs:
        key = ref.split("(", 1)[0]
        if key in _ANDROID_CONTINUOUS_LOCATION:
            continuous.setdefault(key, where)
        elif key in _ANDROID_SENDING:
            sending.setdefault(key, where)
    if not (continuous and sending):
        return []
    out = _Collector()
    for key, where in sorted(continuous.items())[:2]:
        out.add(TRACKING, "method_ref", key, where)
    for key, where in sorted(sending.items())[:1]:
        out.add(TRACKING, "method_ref", key, where)
    return out.result()


# -- HarmonyOS -------------------------------------------------------------------------------

_HARMONY_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "LOCATION": ("location",),
    "APPROXIMATELY_LOCATION": ("location",),
    "LOCATION_IN_BACKGROUND": ("background-location",),
    "CAMERA": ("camera",),
    "MICROPHONE": ("microphone",),
    "READ_MEDIA": ("media-library",),
    "WRITE_MEDIA": ("media-library",),
    "MEDIA_LOCATION": ("media-library",),
    "READ_IMAGEVIDEO": ("media-library",),
    "WRITE_IMAGEVIDEO": ("media-library",),
    "READ_AUDIO": ("media-library",),
    "WRITE_AUDIO": ("media-library",),
    "READ_WRITE_DOWNLOAD_DIRECTORY": ("storage",),
    "READ_WRITE_DOCUMENTS_DIRECTORY": ("storage",),
    "READ_WRITE_DESKTOP_DIRECTORY": ("storage",),
    "FILE_ACCESS_MANAGER": ("storage",),
    "READ_CONTACTS": ("contacts",),
    "WRITE_CONTACTS": ("contacts",),
    "READ_MESSAGES": ("sms",),
    "SEND_MESSAGES": ("sms",),
    "RECEIVE_SMS": ("sms",),
    "RECEIVE_MMS": ("sms",),
    "RECEIVE_WAP_MESSAGES": ("sms",),
    "READ_CELL_MESSAGES": ("sms",),
    "READ_CALL_LOG": ("call-log",),
    "WRITE_CALL_LOG": ("call-log",),
    "READ_CALENDAR": ("calendar",),
    "WRITE_CALENDAR": ("calendar",),
    "PLACE_CALL": ("phone",),
    "ANSWER_CALL": ("phone",),
    "GET_TELEPHONY_STATE": ("phone", "device-id"),
    "ACCESS_BLUETOOTH": ("bluetooth",),
    "USE_BLUETOOTH": ("bluetooth",),
    "DISCOVER_BLUETOOTH": ("bluetooth",),
    "MANAGE_BLUETOOTH": ("bluetooth",),
    "NFC_TAG": ("nfc",),
    "NFC_CARD_EMULATION": ("nfc",),
    "ACCESS_BIOMETRIC": ("biometric",),
    "ACTIVITY_MOTION": ("activity-recognition",),
    "READ_HEALTH_DATA": ("body-sensors",),
    "APP_TRACKING_CONSENT": ("device-id",),
    "READ_PASTEBOARD": ("clipboard",),
    "GET_INSTALLED_BUNDLE_LIST": ("installed-apps",),
    "INSTALL_BUNDLE": ("install-packages",),
    "SYSTEM_FLOAT_WINDOW": ("overlay",),
    "NOTIFICATION_CONTROLLER": ("notification-access",),
}
_HARMONY_BACKGROUND: dict[str, str] = {
    "location": "background-location",
    "audioRecording": "microphone",
    "bluetoothInteraction": "bluetooth",
}


def harmony_capabilities(
    permissions: Iterable[str], *, background_modes: Iterable[str] = ()
) -> list[Capability]:
    """Capabilities of a HarmonyOS package from ``ohos.permission.*`` names and the abilities'
    ``backgroundModes`` (continuous tasks: ``location`` means background location)."""
    out = _Collector()
    for perm in permissions:
        if perm.startswith("ohos.permission."):
            for cap in _HARMONY_PERMISSIONS.get(perm[len("ohos.permission.") :], ()):
                out.add(cap, "permission", perm)
    for mode in background_modes:
        mode_cap = _HARMONY_BACKGROUND.get(mode)
        if mode_cap is not None:
            out.add(mode_cap, "background_mode", mode)
    return out.result()


# -- iOS -------------------------------------------------------------------------------------

_IOS_KEYS: dict[str, tuple[str, ...]] = {
    "NSLocationWhenInUseUsageDescription": ("location",),
    "NSLocationUsageDescription": ("location",),
    "NSLocationAlwaysUsageDescription": ("location", "background-location"),
    "NSLocationAlwaysAndWhenInUseUsageDescription": ("location", "background-location"),
    "NSCameraUsageDescription": ("camera",),
    "NSPhotoLibraryUsageDescription": ("media-library",),
    "NSPhotoLibraryAddUsageDescription": ("media-library",),
    "NSAppleMusicUsageDescription": ("media-library",),
    "NSMicrophoneUsageDescription": ("microphone",),
    "NSSpeechRecognitionUsageDescription": ("microphone",),
    "NSContactsUsageDescription": ("contacts",),
    "NSCalendarsUsageDescription": ("calendar",),
    "NSCalendarsFullAccessUsageDescription": ("calendar",),
    "NSCalendarsWriteOnlyAccessUsageDescription": ("calendar",),
    "NSRemindersUsageDescription": ("calendar",),
    "NSRemindersFullAccessUsageDescription": ("calendar",),
    "NSFaceIDUsageDescription": ("biometric",),
    "NSBluetoothAlwaysUsageDescription": ("bluetooth",),
    "NSBluetoothPeripheralUsageDescription": ("bluetooth",),
    "NFCReaderUsageDescription": ("nfc",),
    "NSMotionUsageDescription": ("activity-recognition",),
    "NSHealthShareUsageDescription": ("body-sensors",),
    "NSHealthUpdateUsageDescription": ("body-sensors",),
    "NSUserTrackingUsageDescription": ("device-id",),
}
_IOS_BACKGROUND: dict[str, str] = {
    "location": "background-location",
    "remote-notification": "notifications",
    "bluetooth-central": "bluetooth",
    "bluetooth-peripheral": "bluetooth",
    "voip": "phone",
}


def ios_capabilities(info_plist: Mapping[str, Any]) -> list[Capability]:
    """Capabilities of an iOS app from its ``Info.plist`` (usage-description keys and
    ``UIBackgroundModes``)."""
    out = _Collector()
    for key in info_plist:
        for cap in _IOS_KEYS.get(str(key), ()):
            out.add(cap, "plist", str(key))
    modes = info_plist.get("UIBackgroundModes")
    if isinstance(modes, list | tuple):
        for mode in modes:
            mode_cap = _IOS_BACKGROUND.get(str(mode))
            if mode_cap is not None:
                out.add(mode_cap, "background_mode", str(mode), "UIBackgroundModes")
    return out.result()


# -- mini-programs ---------------------------------------------------------------------------

_MP_SCOPES: dict[str, tuple[str, ...]] = {
    "scope.userLocation": ("location",),
    "scope.userFuzzyLocation": ("location",),
    "scope.userLocationBackground": ("background-location",),
    "scope.record": ("microphone",),
    "scope.camera": ("camera",),
    "scope.writePhotosAlbum": ("media-library",),
    "scope.bluetooth": ("bluetooth",),
    "scope.addPhoneContact": ("contacts",),
    "scope.addPhoneCalendar": ("calendar",),
    "scope.werun": ("activity-recognition",),
    # Alipay names its scopes without the prefix
    "location": ("location",),
    "camera": ("camera",),
    "album": ("media-library",),
    "audioRecord": ("microphone",),
}
_MP_PRIVATE: dict[str, tuple[str, ...]] = {
    "getLocation": ("location",),
    "getFuzzyLocation": ("location",),
    "onLocationChange": ("location",),
    "startLocationUpdate": ("location",),
    "chooseLocation": ("location",),
    "choosePoi": ("location",),
    "chooseAddress": (),
    "startLocationUpdateBackground": ("background-location",),
}
_MP_APIS: dict[str, tuple[str, ...]] = {
    **{k: v for k, v in _MP_PRIVATE.items() if v},
    "chooseCity": (),
    "chooseImage": ("camera", "media-library"),
    "chooseMedia": ("camera", "media-library"),
    "chooseVideo": ("camera", "media-library"),
    "createCameraContext": ("camera",),
    "scanCode": ("camera",),
    "saveImageToPhotosAlbum": ("media-library",),
    "saveVideoToPhotosAlbum": ("media-library",),
    "getRecorderManager": ("microphone",),
    "startRecord": ("microphone",),
    "startFacialRecognitionVerify": ("face-recognition",),
    "startFacialRecognitionVerifyAndUploadVideo": ("face-recognition",),
    "checkIsSupportFacialRecognition": ("face-recognition",),
    "faceVerify": ("face-recognition",),
    "startAPVerify": ("face-recognition",),
    "startSoterAuthentication": ("biometric",),
    "addPhoneContact": ("contacts",),
    "chooseContact": ("contacts",),
    "choosePhoneContact": ("contacts",),
    "chooseAlipayContact": ("contacts",),
    "makePhoneCall": ("phone",),
    "getClipboardData": ("clipboard",),
    "getClipboard": ("clipboard",),
    "openBluetoothAdapter": ("bluetooth",),
    "startBluetoothDevicesDiscovery": ("bluetooth",),
    "getNFCAdapter": ("nfc",),
    "getHCEState": ("nfc",),
    "addPhoneCalendar": ("calendar",),
    "addPhoneRepeatCalendar": ("calendar",),
    "getWeRunData": ("activity-recognition",),
}
_MP_PREFIXES = ("wx.", "my.", "qq.", "tt.", "swan.", "dd.", "ks.", "jd.")


def _api_name(call: str) -> str:
    for prefix in _MP_PREFIXES:
        if call.startswith(prefix):
            return call[len(prefix) :]
    return call


def miniprogram_capabilities(
    *,
    permission_scopes: Iterable[str] = (),
    required_private_infos: Iterable[str] = (),
    background_modes: Iterable[str] = (),
    api_calls: Iterable[str] = (),
) -> list[Capability]:
    """Capabilities of a WeChat / Alipay mini-program.

    ``permission_scopes``: keys of ``app.json`` ``permission``; ``required_private_infos``:
    ``requiredPrivateInfos``; ``background_modes``: ``requiredBackgroundModes``; ``api_calls``:
    APIs called in the sources, with or without their ``wx.`` / ``my.`` prefix.
    """
    out = _Collector()
    for scope in permission_scopes:
        for cap in _MP_SCOPES.get(scope, ()):
            out.add(cap, "scope", scope)
    for info in required_private_infos:
        for cap in _MP_PRIVATE.get(info, ()):
            out.add(cap, "private_info", info)
    for mode in background_modes:
        if mode == "location":
            out.add("background-location", "background_mode", mode)
    for call in api_calls:
        for cap in _MP_APIS.get(_api_name(call), ()):
            out.add(cap, "api_call", call)
    return out.result()


# -- quick apps ------------------------------------------------------------------------------

_QUICKAPP_FEATURES: dict[str, tuple[str, ...]] = {
    "system.geolocation": ("location",),
    "system.camera": ("camera",),
    "system.media": ("camera", "media-library"),
    "system.image": ("media-library",),
    "system.barcode": ("camera",),
    "system.record": ("microphone",),
    "system.contact": ("contacts",),
    "system.sms": ("sms",),
    "system.device": ("device-id",),
    "system.bluetooth": ("bluetooth",),
    "system.nfc": ("nfc",),
    "system.clipboard": ("clipboard",),
    "system.calendar": ("calendar",),
    "system.notification": ("notifications",),
    "system.pedometer": ("activity-recognition",),
    "service.health": ("body-sensors",),
}
_QUICKAPP_BACKGROUND: dict[str, str] = {
    "system.geolocation": "background-location",
    "system.record": "microphone",
    "system.bluetooth": "bluetooth",
}


def quickapp_capabilities(
    features: Iterable[str], background_features: Iterable[str] = ()
) -> list[Capability]:
    """Capabilities of a quick app from ``manifest.json`` ``features[].name`` (or ``@system.x``
    imports) and ``config.background.features``."""
    out = _Collector()
    for feature in features:
        name = feature.lstrip("@")
        for cap in _QUICKAPP_FEATURES.get(name, ()):
            out.add(cap, "feature", name)
    for feature in background_features:
        name = feature.lstrip("@")
        bg_cap = _QUICKAPP_BACKGROUND.get(name)
        if bg_cap is not None:
            out.add(bg_cap, "background_feature", name)
    return out.result()


def capability_ids(caps: Iterable[Capability]) -> list[str]:
    """The sorted, unique ids of ``caps`` (for ``ScanResult.capabilities``)."""
    return sorted({c.id for c in caps})


def merge_capabilities(*groups: Iterable[Capability]) -> list[Capability]:
    """Union of several capability lists, evidence merged."""
    out = _Collector()
    for group in groups:
        for cap in group:
            for ev in cap.evidence:
                out.add(cap.id, ev.source, ev.value, ev.where)
    return out.result()
