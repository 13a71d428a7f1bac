-- Asterisk's PJSIP realtime tables (res_config_pgsql + res_sorcery_realtime),
-- in their own schema: they are Asterisk's, not Prisma's, and Asterisk reaches
-- them as asterisk.ps_* (docker/asterisk/config/extconfig.conf). Columns, types
-- and enum types are those Asterisk 22.10.1's own database migrations leave in
-- place (contrib/ast-db-manage, config branch, head 4da0c5f79a9c);
-- test/src/db/realtime-schema.test.ts compares them with that reference.
-- The backend writes ps_endpoints, ps_auths and ps_aors (staff extensions);
-- Asterisk writes ps_contacts when a phone registers.

CREATE SCHEMA "asterisk";

-- CreateEnum
CREATE TYPE "asterisk"."ast_bool_values" AS ENUM ('0', '1', 'off', 'on', 'false', 'true', 'no', 'yes');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_100rel_values_v2" AS ENUM ('no', 'required', 'peer_supported', 'yes');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_auth_type_values_v2" AS ENUM ('md5', 'userpass', 'google_oauth');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_cid_privacy_values" AS ENUM ('allowed_not_screened', 'allowed_passed_screened', 'allowed_failed_screened', 'allowed', 'prohib_not_screened', 'prohib_passed_screened', 'prohib_failed_screened', 'prohib', 'unavailable');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_connected_line_method_values" AS ENUM ('invite', 'reinvite', 'update');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_direct_media_glare_mitigation_values" AS ENUM ('none', 'outgoing', 'incoming');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_dtls_setup_values" AS ENUM ('active', 'passive', 'actpass');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_dtmf_mode_values_v3" AS ENUM ('rfc4733', 'inband', 'info', 'auto', 'auto_info');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_incoming_call_offer_pref_values" AS ENUM ('local', 'local_first', 'remote', 'remote_first');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_media_encryption_values" AS ENUM ('no', 'sdes', 'dtls');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_outgoing_call_offer_pref_values" AS ENUM ('local', 'local_merge', 'local_first', 'remote', 'remote_merge', 'remote_first');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_redirect_method_values" AS ENUM ('user', 'uri_core', 'uri_pjsip');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_t38udptl_ec_values" AS ENUM ('none', 'fec', 'redundancy');

-- CreateEnum
CREATE TYPE "asterisk"."pjsip_timer_values" AS ENUM ('forced', 'no', 'required', 'yes');

-- CreateEnum
CREATE TYPE "asterisk"."security_negotiation_values" AS ENUM ('no', 'mediasec');

-- CreateEnum
CREATE TYPE "asterisk"."sha_hash_values" AS ENUM ('SHA-1', 'SHA-256');

-- CreateTable
CREATE TABLE "asterisk"."ps_endpoints" (
    "id" VARCHAR(255) NOT NULL,
    "transport" VARCHAR(40),
    "aors" VARCHAR(2048),
    "auth" VARCHAR(255),
    "context" VARCHAR(40),
    "disallow" VARCHAR(200),
    "allow" VARCHAR(200),
    "direct_media" "asterisk"."ast_bool_values",
    "connected_line_method" "asterisk"."pjsip_connected_line_method_values",
    "direct_media_method" "asterisk"."pjsip_connected_line_method_values",
    "direct_media_glare_mitigation" "asterisk"."pjsip_direct_media_glare_mitigation_values",
    "disable_direct_media_on_nat" "asterisk"."ast_bool_values",
    "dtmf_mode" "asterisk"."pjsip_dtmf_mode_values_v3",
    "external_media_address" VARCHAR(40),
    "force_rport" "asterisk"."ast_bool_values",
    "ice_support" "asterisk"."ast_bool_values",
    "identify_by" VARCHAR(80),
    "mailboxes" VARCHAR(40),
    "moh_suggest" VARCHAR(40),
    "outbound_auth" VARCHAR(255),
    "outbound_proxy" VARCHAR(255),
    "rewrite_contact" "asterisk"."ast_bool_values",
    "rtp_ipv6" "asterisk"."ast_bool_values",
    "rtp_symmetric" "asterisk"."ast_bool_values",
    "send_diversion" "asterisk"."ast_bool_values",
    "send_pai" "asterisk"."ast_bool_values",
    "send_rpid" "asterisk"."ast_bool_values",
    "timers_min_se" INTEGER,
    "timers" "asterisk"."pjsip_timer_values",
    "timers_sess_expires" INTEGER,
    "callerid" VARCHAR(40),
    "callerid_privacy" "asterisk"."pjsip_cid_privacy_values",
    "callerid_tag" VARCHAR(40),
    "100rel" "asterisk"."pjsip_100rel_values_v2",
    "aggregate_mwi" "asterisk"."ast_bool_values",
    "trust_id_inbound" "asterisk"."ast_bool_values",
    "trust_id_outbound" "asterisk"."ast_bool_values",
    "use_ptime" "asterisk"."ast_bool_values",
    "use_avpf" "asterisk"."ast_bool_values",
    "media_encryption" "asterisk"."pjsip_media_encryption_values",
    "inband_progress" "asterisk"."ast_bool_values",
    "call_group" VARCHAR(40),
    "pickup_group" VARCHAR(40),
    "named_call_group" VARCHAR(40),
    "named_pickup_group" VARCHAR(40),
    "device_state_busy_at" INTEGER,
    "fax_detect" "asterisk"."ast_bool_values",
    "t38_udptl" "asterisk"."ast_bool_values",
    "t38_udptl_ec" "asterisk"."pjsip_t38udptl_ec_values",
    "t38_udptl_maxdatagram" INTEGER,
    "t38_udptl_nat" "asterisk"."ast_bool_values",
    "t38_udptl_ipv6" "asterisk"."ast_bool_values",
    "tone_zone" VARCHAR(40),
    "language" VARCHAR(40),
    "one_touch_recording" "asterisk"."ast_bool_values",
    "record_on_feature" VARCHAR(40),
    "record_off_feature" VARCHAR(40),
    "rtp_engine" VARCHAR(40),
    "allow_transfer" "asterisk"."ast_bool_values",
    "allow_subscribe" "asterisk"."ast_bool_values",
    "sdp_owner" VARCHAR(40),
    "sdp_session" VARCHAR(40),
    "tos_audio" VARCHAR(10),
    "tos_video" VARCHAR(10),
    "sub_min_expiry" INTEGER,
    "from_domain" VARCHAR(40),
    "from_user" VARCHAR(40),
    "mwi_from_user" VARCHAR(40),
    "dtls_verify" VARCHAR(40),
    "dtls_rekey" VARCHAR(40),
    "dtls_cert_file" VARCHAR(200),
    "dtls_private_key" VARCHAR(200),
    "dtls_cipher" VARCHAR(200),
    "dtls_ca_file" VARCHAR(200),
    "dtls_ca_path" VARCHAR(200),
    "dtls_setup" "asterisk"."pjsip_dtls_setup_values",
    "srtp_tag_32" "asterisk"."ast_bool_values",
    "media_address" VARCHAR(40),
    "redirect_method" "asterisk"."pjsip_redirect_method_values",
    "set_var" TEXT,
    "cos_audio" INTEGER,
    "cos_video" INTEGER,
    "message_context" VARCHAR(40),
    "force_avp" "asterisk"."ast_bool_values",
    "media_use_received_transport" "asterisk"."ast_bool_values",
    "accountcode" VARCHAR(80),
    "user_eq_phone" "asterisk"."ast_bool_values",
    "moh_passthrough" "asterisk"."ast_bool_values",
    "media_encryption_optimistic" "asterisk"."ast_bool_values",
    "rpid_immediate" "asterisk"."ast_bool_values",
    "g726_non_standard" "asterisk"."ast_bool_values",
    "rtp_keepalive" INTEGER,
    "rtp_timeout" INTEGER,
    "rtp_timeout_hold" INTEGER,
    "bind_rtp_to_media_address" "asterisk"."ast_bool_values",
    "voicemail_extension" VARCHAR(40),
    "mwi_subscribe_replaces_unsolicited" "asterisk"."ast_bool_values",
    "deny" VARCHAR(95),
    "permit" VARCHAR(95),
    "acl" VARCHAR(40),
    "contact_deny" VARCHAR(95),
    "contact_permit" VARCHAR(95),
    "contact_acl" VARCHAR(40),
    "subscribe_context" VARCHAR(40),
    "fax_detect_timeout" INTEGER,
    "contact_user" VARCHAR(80),
    "preferred_codec_only" "asterisk"."ast_bool_values",
    "asymmetric_rtp_codec" "asterisk"."ast_bool_values",
    "rtcp_mux" "asterisk"."ast_bool_values",
    "allow_overlap" "asterisk"."ast_bool_values",
    "refer_blind_progress" "asterisk"."ast_bool_values",
    "notify_early_inuse_ringing" "asterisk"."ast_bool_values",
    "max_audio_streams" INTEGER,
    "max_video_streams" INTEGER,
    "webrtc" "asterisk"."ast_bool_values",
    "dtls_fingerprint" "asterisk"."sha_hash_values",
    "incoming_mwi_mailbox" VARCHAR(40),
    "bundle" "asterisk"."ast_bool_values",
    "dtls_auto_generate_cert" "asterisk"."ast_bool_values",
    "follow_early_media_fork" "asterisk"."ast_bool_values",
    "accept_multiple_sdp_answers" "asterisk"."ast_bool_values",
    "suppress_q850_reason_headers" "asterisk"."ast_bool_values",
    "trust_connected_line" "asterisk"."ast_bool_values",
    "send_connected_line" "asterisk"."ast_bool_values",
    "ignore_183_without_sdp" "asterisk"."ast_bool_values",
    "codec_prefs_incoming_offer" VARCHAR(128),
    "codec_prefs_outgoing_offer" VARCHAR(128),
    "codec_prefs_incoming_answer" VARCHAR(128),
    "codec_prefs_outgoing_answer" VARCHAR(128),
    "stir_shaken" "asterisk"."ast_bool_values",
    "send_history_info" "asterisk"."ast_bool_values",
    "allow_unauthenticated_options" "asterisk"."ast_bool_values",
    "t38_bind_udptl_to_media_address" "asterisk"."ast_bool_values",
    "geoloc_incoming_call_profile" VARCHAR(80),
    "geoloc_outgoing_call_profile" VARCHAR(80),
    "incoming_call_offer_pref" "asterisk"."pjsip_incoming_call_offer_pref_values",
    "outgoing_call_offer_pref" "asterisk"."pjsip_outgoing_call_offer_pref_values",
    "stir_shaken_profile" VARCHAR(80),
    "security_negotiation" "asterisk"."security_negotiation_values",
    "security_mechanisms" VARCHAR(512),
    "send_aoc" "asterisk"."ast_bool_values",
    "overlap_context" VARCHAR(80),
    "tenantid" VARCHAR(80),
    "suppress_moh_on_sendonly" "asterisk"."ast_bool_values",
    "follow_redirect_methods" VARCHAR(95),
    "rtp_port_start" INTEGER,
    "rtp_port_end" INTEGER
);

-- CreateTable
CREATE TABLE "asterisk"."ps_auths" (
    "id" VARCHAR(255) NOT NULL,
    "auth_type" "asterisk"."pjsip_auth_type_values_v2",
    "nonce_lifetime" INTEGER,
    "md5_cred" VARCHAR(40),
    "password" VARCHAR(80),
    "realm" VARCHAR(255),
    "username" VARCHAR(40),
    "refresh_token" VARCHAR(255),
    "oauth_clientid" VARCHAR(255),
    "oauth_secret" VARCHAR(255),
    "password_digest" VARCHAR(1024),
    "supported_algorithms_uas" VARCHAR(1024),
    "supported_algorithms_uac" VARCHAR(1024)
);

-- CreateTable
CREATE TABLE "asterisk"."ps_aors" (
    "id" VARCHAR(255) NOT NULL,
    "contact" VARCHAR(255),
    "default_expiration" INTEGER,
    "mailboxes" VARCHAR(80),
    "max_contacts" INTEGER,
    "minimum_expiration" INTEGER,
    "remove_existing" "asterisk"."ast_bool_values",
    "qualify_frequency" INTEGER,
    "authenticate_qualify" "asterisk"."ast_bool_values",
    "maximum_expiration" INTEGER,
    "outbound_proxy" VARCHAR(255),
    "support_path" "asterisk"."ast_bool_values",
    "qualify_timeout" DOUBLE PRECISION,
    "voicemail_extension" VARCHAR(40),
    "remove_unavailable" "asterisk"."ast_bool_values",
    "qualify_2xx_only" "asterisk"."ast_bool_values"
);

-- CreateTable
CREATE TABLE "asterisk"."ps_contacts" (
    "id" VARCHAR(255) NOT NULL,
    "uri" VARCHAR(511),
    "expiration_time" BIGINT,
    "qualify_frequency" INTEGER,
    "outbound_proxy" VARCHAR(255),
    "path" TEXT,
    "user_agent" VARCHAR(255),
    "qualify_timeout" DOUBLE PRECISION,
    "reg_server" VARCHAR(255),
    "authenticate_qualify" "asterisk"."ast_bool_values",
    "via_addr" VARCHAR(40),
    "via_port" INTEGER,
    "call_id" VARCHAR(255),
    "endpoint" VARCHAR(255),
    "prune_on_boot" "asterisk"."ast_bool_values",
    "qualify_2xx_only" "asterisk"."ast_bool_values"
);

-- Asterisk's identity constraints and lookup indexes.
ALTER TABLE "asterisk"."ps_endpoints" ADD CONSTRAINT "ps_endpoints_id_key" UNIQUE ("id");
CREATE INDEX "ps_endpoints_id" ON "asterisk"."ps_endpoints"("id");

ALTER TABLE "asterisk"."ps_auths" ADD CONSTRAINT "ps_auths_id_key" UNIQUE ("id");
CREATE INDEX "ps_auths_id" ON "asterisk"."ps_auths"("id");

ALTER TABLE "asterisk"."ps_aors" ADD CONSTRAINT "ps_aors_id_key" UNIQUE ("id");
CREATE INDEX "ps_aors_id" ON "asterisk"."ps_aors"("id");
CREATE INDEX "ps_aors_qualifyfreq_contact" ON "asterisk"."ps_aors"("qualify_frequency", "contact");

ALTER TABLE "asterisk"."ps_contacts" ADD CONSTRAINT "ps_contacts_id_key" UNIQUE ("id");
ALTER TABLE "asterisk"."ps_contacts" ADD CONSTRAINT "ps_contacts_uq" UNIQUE ("id", "reg_server");
CREATE INDEX "ps_contacts_id" ON "asterisk"."ps_contacts"("id");
CREATE INDEX "ps_contacts_qualifyfreq_exp" ON "asterisk"."ps_contacts"("qualify_frequency", "expiration_time");
