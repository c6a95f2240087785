// Sensors Analytics on shop.example.com: encrypted reporting
var sensors = window.sensorsDataAnalytic201505;
window.sensors = sensors;
var AesEncryption = window.SensorsDataWebJSSDKPlugin.AesEncryption;
sensors.use(AesEncryption, {
    k: 'mh1LmoZRmz9bZARFcF5sJQ==',
    kid: 24,
    khash: 'bcf4e1eb01ca5774713df2cab734f7386411bdaeea3d83f9334b6637021a81f0'
});
sensors.init({"server_url":"http://sa.example.com:18514/sa.gif?project=xmtrack","send_type":"ajax","show_log":false,"is_track_single_page":false,"cross_subdomain":false});
sensors.identify("xmtrack-web-visitor-0002", true);
sensors.register({"$model":"Redmi Note 8","$carrier":"China Mobile","android_id":"3f8a1c2b4d5e6f70"});
sensors.registerPage({"$latitude":39904200,"$longitude":116407400});
sensors.quick('autoTrack');
window.__xmtReady = true;
