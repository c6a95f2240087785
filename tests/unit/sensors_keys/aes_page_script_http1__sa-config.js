// Sensors Analytics on shop.example.com: encrypted reporting
var sensors = window.sensorsDataAnalytic201505;
window.sensors = sensors;
var AesEncryption = window.SensorsDataWebJSSDKPlugin.AesEncryption;
sensors.use(AesEncryption, {
    k: 'vM1jHspb8qp4taq/yGoq5A==',
    kid: 21,
    khash: 'a7887266e1c2db7fb5b4e6a1e9368ea35e508205b3979ab3aa06ad0776dc58cd'
});
sensors.init({"server_url":"http://sa.example.com:18511/sa.gif?project=xmtrack","send_type":"ajax","show_log":false,"is_track_single_page":false,"cross_subdomain":false});
sensors.identify("xmtrack-web-visitor-0002", true);
sensors.register({"$model":"Redmi Note 8","$carrier":"China Mobile","android_id":"3f8a1c2b4d5e6f70"});
sensors.registerPage({"$latitude":39904200,"$longitude":116407400});
sensors.quick('autoTrack');
window.__xmtReady = true;
