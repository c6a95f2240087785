-- lua_baseline.lua: what a user would write instead of xmtrack (a Lua postdissector over the same payloads; BENCHMARKS.md).
--
-- What a Wireshark user writes today to read Sensors Analytics uploads without xmtrack:
-- a postdissector that takes each urlencoded-form value whose key is "data_list",
-- base64-decodes it, gunzips it and hands the JSON to the built-in json dissector, so that
-- json.value.string, json.key, ... become filterable. The decoded text is also shown as a
-- string field, salua.json.
--
--   tshark -X lua_script:bench/lua_baseline.lua -r heavy.pcap -Y 'json.value.string == "search"'

local salua = Proto("salua", "Sensors Analytics upload (Lua baseline)")
local f_json = ProtoField.string("salua.json", "Decoded JSON")
salua.fields = { f_json }

local form_key = Field.new("urlencoded-form.key")
local form_value = Field.new("urlencoded-form.value")
local json = Dissector.get("json")

-- urlencoded-form has already percent-decoded the value; undo a '+' that became a space
-- and accept the URL-safe alphabet, as SDKs and hand-written clients differ.
local function to_std_base64(s)
    return (s:gsub(" ", "+"):gsub("-", "+"):gsub("_", "/"))
end

local function add_upload(value, pinfo, tree)
    local raw = ByteArray.new(to_std_base64(value), true):base64_decode()
    if raw:len() == 0 then return end
    local packed = raw:tvb("Base64-decoded data_list")
    local inflated = packed:range():uncompress("Inflated data_list")
    if not inflated then return end
    local sub = tree:add(salua, inflated)
    sub:add(f_json, inflated, inflated:string())
    json:call(inflated:tvb(), pinfo, sub)
end

function salua.dissector(tvb, pinfo, tree)
    local keys = { form_key() }
    if #keys == 0 then return end
    local values = { form_value() }
    for i, key in ipairs(keys) do
        if tostring(key.value) == "data_list" and values[i] then
            add_upload(tostring(values[i].value), pinfo, tree)
        end
    end
end

register_postdissector(salua)
