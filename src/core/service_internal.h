/*
 * Private to the service's files (service*.c): the internal steps and the
 * helpers they share. Not part of the API.
 */
#ifndef SYSOTA_SERVICE_INTERNAL_H
#define SYSOTA_SERVICE_INTERNAL_H

#include "sysota/ota_service.h"

/*
 * One value of ota_service_t.step; each task() call runs the step's
 * function once (service.c dispatches, one case per step, and maps each
 * step to its public state). A step never calls another step's function:
 * it sets the next step, or calls a transition of service_job.c.
 */
enum svc_step {
    ST_CLEAN = 0, /* maintenance: remove one stale temporary file per call, then after_clean */
    ST_IDLE,
    ST_MF_HEAD,  /* manifest GET sent, waiting for the status line */
    ST_MF_BODY,  /* reading the manifest into its buffer */
    ST_SIG_HEAD, /* a device with keys: the manifest's ".sig" GET sent */
    ST_SIG_BODY, /* reading it */
    ST_MF_PARSE,
    ST_ERASE, /* one EraseVer request per call */
    ST_DECIDE,
    ST_AVAILABLE, /* waiting for download_now() */
    ST_DL_CHOOSE, /* before a download: a delta patch, or the full image (service_delta.c) */
    ST_DL_CLEAN,  /* before a download: remove other downloads' files, then ST_DL_OPEN */
    ST_DL_OPEN,
    ST_DL_REHASH, /* hashing the part of an interrupted download already stored */
    ST_DL_GET,
    ST_DL_HEAD,
    ST_DL_BODY,
    ST_VERIFY,
    ST_ADOPT_HASH, /* hashing an image file found without its database row */
    ST_ROOM,       /* evict one image per call while the store is at max_images */
    ST_RENAME,
    ST_SIG_SAVE, /* a device with keys: the image's signature beside it ("v<version>.sig") */
    ST_ROW,
    ST_MARK,
    ST_DONE,          /* announce "update ready", reset or wait */
    ST_GOLDEN_STAGE,  /* a Golden entry: the verified download becomes ".golden.new" */
    ST_GOLDEN_RECORD, /* the record's golden identity becomes the new image's */
    ST_GOLDEN_COMMIT, /* ".golden.new" renamed over factory.bin */
    ST_GOLDEN_ROW,    /* the database's golden row follows */
    ST_GOLDEN_FINISH, /* at start-up: hash a ".golden.new" a cut left, finish or drop it */
    ST_PATCH_OPEN,    /* the patch is verified: open it, its base and the new image's temporary file */
    ST_PATCH_STEP,    /* one bounded decoder step per call */
    ST_READY,
    ST_RESET,
    ST_COUNT
};

/* ---- service_job.c: the current job, shared by every step ---------------- */

void svc_log(const ota_service_t *svc, ota_log_level_t level, const char *msg, int32_t value);
void svc_emit(ota_service_t *svc, ota_service_event_t ev, int reason, uint32_t version);
/* The NO_UPDATE of a 304: the reason and version the manifest's own had,
 * with not_modified set. */
void svc_emit_not_modified(ota_service_t *svc, int reason, uint32_t version);
uint32_t svc_now(const ota_service_t *svc);

/* Abandon the current job: close the transfer and the file, release the
 * hash, remove the temporary file unless it is kept for a resume, report ev
 * with reason err, and go back to idle. */
void svc_fail(ota_service_t *svc, ota_service_event_t ev, int err);

/* Start the clocks of a transfer (a manifest or image GET). */
void svc_transfer_start(ota_service_t *svc);

/* Account for got body bytes just received (0: nothing this call) and check
 * the transfer against its limits: the idle timeout, the minimum rate
 * averaged over each rate window, and the whole-transfer limit_ms (0:
 * derived from expected, the bytes this transfer should bring, at the
 * minimum rate; expected 0: none). OTA_ERR_TIMEOUT when one is broken. */
int svc_transfer_check(ota_service_t *svc, uint32_t got, uint32_t expected, uint32_t limit_ms);

void svc_http_options(const ota_service_t *svc, ota_http_options_t *opt, uint32_t range);
/* The current GET's response into *r, zeroed first (a port fills only what
 * it knows); the transport's answer: OTA_OK, OTA_ERR_AGAIN or an error. */
int svc_response(ota_service_t *svc, ota_http_response_t *r);
/* An HTTP status the step cannot use: logged (what: "ota: manifest HTTP
 * status", ...), a 429's or 503's Retry-After kept for the backoff.
 * Returns OTA_ERR_HTTP_STATUS. */
int svc_status_error(ota_service_t *svc, const ota_http_response_t *r, const char *what);
int svc_db_reload(ota_service_t *svc);
bool svc_protected(const ota_service_t *svc, const ota_db_row_t *row);
void svc_sha_release(ota_service_t *svc);
void svc_close_file(ota_service_t *svc);
void svc_do_reset(ota_service_t *svc);

/* Remove temporary files ('.' names) except svc->tmp (and, when keep_dl,
 * every ".dl_" download), one per call, then enter `then`. */
void svc_clean(ota_service_t *svc, bool keep_dl, uint8_t then);

/* Download the chosen update: clean up other downloads, then open. */
void svc_start_download(ota_service_t *svc);

/* Forget the previous job (choice, names, counters) before a new one. */
void svc_job_reset(ota_service_t *svc);

/* Download, or wait for the application's go (auto_update off). */
void svc_after_decide(ota_service_t *svc);

/* Remove a version's row, then its file (neither the running nor the golden
 * image: OTA_ERR_STATE); OTA_ERR_NOT_FOUND without a row. */
int svc_drop_version(ota_service_t *svc, uint32_t version);

/* Hash the next chunk of the open file svc->fh into svc->sha: 1 while there
 * is more; at its end the file is closed, *digest filled and OTA_OK
 * returned; a negative error otherwise. */
int svc_hash_chunk(ota_service_t *svc, uint8_t digest[OTA_SHA256_LEN]);

/* svc_drop_version with its ERASED / ERASE_FAILED event. */
int svc_evict(ota_service_t *svc, uint32_t version);

/* Fill out with pre + version [+ '_' + 8 hex digits of digest] + suf. */
void svc_make_name(char *out, const char *pre, uint32_t version, const uint8_t *digest, const char *suf);

/* ---- service_delta.c: delta patches (docs/delta.md) ----------------------- */

/* ota_service_t.patch_phase */
enum svc_patch_phase {
    SVC_PATCH_NONE = 0, /* the entry's full image */
    SVC_PATCH_GET,      /* the patch is downloaded into svc->tmp, then its PatchDigest checked */
    SVC_PATCH_APPLY,    /* the image is rebuilt into svc->tmp from the base and the patch */
    SVC_PATCH_BUILT     /* the rebuilt image's digest and signature are checked */
};

/* ST_DL_CHOOSE: take the first Patch record whose base the device holds
 * (a stored image, or the image in program flash) and make svc->tmp the
 * patch's temporary file; else leave the full image's. Then ST_DL_CLEAN. */
void svc_step_dl_choose(ota_service_t *svc);
/* What the current download fetches: the patch's URL and PatchSize, or the image's. */
const char *svc_dl_url(const ota_service_t *svc);
uint32_t svc_dl_size(const ota_service_t *svc);
/* The patch file is whole with this digest: check PatchDigest, then apply. */
void svc_patch_downloaded(ota_service_t *svc, const uint8_t digest[OTA_SHA256_LEN]);
void svc_step_patch_open(ota_service_t *svc);
void svc_step_patch_step(ota_service_t *svc);
/* Close the handles of a patch being applied; remove the patch file too when drop. */
void svc_patch_release(ota_service_t *svc, bool drop);

/* ---- service_poll.c: the poll state file and the schedule ---------------- */

/* Before the manifest GET: make it conditional (the validator of the last
 * manifest processed, if it still applies to this device), or not. */
void svc_poll_condition(ota_service_t *svc, ota_http_options_t *opt);
/* A check ended in NO_UPDATE (reason, version) after a full fetch: record the
 * manifest's validator held in svc->validator, with what the outcome
 * depended on. Only now: a manifest cut short, refused, or leading to a
 * download must be fetched in full again. */
void svc_poll_remember(ota_service_t *svc, int reason, uint32_t version);
/* Before a resumed GET: svc->validator (and vkind) = the validator recorded
 * for svc->tmp's bytes, or none. */
void svc_dl_validator_load(ota_service_t *svc);
/* A download starts from byte 0 with response r: record its validator (one
 * If-Range can use) for svc->tmp before a byte is stored, or take back an
 * older one. OTA_OK or the store's error. */
int svc_dl_validator_record(ota_service_t *svc, const ota_http_response_t *r);
/* The next periodic check: interval +- jitter from now. */
void svc_schedule(ota_service_t *svc, uint32_t now);
/* The network came up: the first check soon, unless a backoff runs longer. */
void svc_network_up(ota_service_t *svc, uint32_t now);
/* A job ended: failed pushes the next check out (backoff, Retry-After),
 * success forgets the failures and keeps the regular schedule. */
void svc_backoff(ota_service_t *svc, bool failed);
/* Keep a 429's or 503's Retry-After for the backoff. */
void svc_retry_after(ota_service_t *svc, const ota_http_response_t *r);

/* ---- the steps, one function each, by file -------------------------------- */

/* service_check.c */
void svc_start_check(ota_service_t *svc); /* a trigger: send the manifest GET */
void svc_step_mf_head(ota_service_t *svc);
void svc_step_mf_body(ota_service_t *svc);
void svc_step_mf_parse(ota_service_t *svc);
void svc_step_erase(ota_service_t *svc);
void svc_step_decide(ota_service_t *svc);

/* service_download.c */
void svc_step_clean(ota_service_t *svc); /* ST_CLEAN and ST_DL_CLEAN */
void svc_step_dl_open(ota_service_t *svc);
void svc_step_dl_rehash(ota_service_t *svc);
void svc_step_dl_get(ota_service_t *svc);
void svc_step_dl_head(ota_service_t *svc);
void svc_step_dl_body(ota_service_t *svc);

/* service_trust.c: what a device with keys does (all no-ops without) */
bool svc_signed(const ota_service_t *svc);
void svc_sig_start(ota_service_t *svc); /* the manifest's ".sig" GET */
void svc_step_sig_head(ota_service_t *svc);
void svc_step_sig_body(ota_service_t *svc);
int svc_manifest_verify(ota_service_t *svc); /* its signature over the bytes read */
int svc_manifest_accept(ota_service_t *svc); /* HardwareId, Expires, Sequence (recorded) */
int svc_image_verify(ota_service_t *svc, const uint8_t digest[OTA_SHA256_LEN]);
void svc_step_sig_save(ota_service_t *svc);
void svc_step_golden_stage(ota_service_t *svc);
void svc_step_golden_record(ota_service_t *svc);
void svc_step_golden_commit(ota_service_t *svc);
void svc_step_golden_row(ota_service_t *svc);
void svc_step_golden_finish(ota_service_t *svc);

/* service_publish.c */
void svc_step_verify(ota_service_t *svc);
void svc_step_adopt_hash(ota_service_t *svc);
void svc_step_room(ota_service_t *svc);
void svc_step_rename(ota_service_t *svc);
void svc_step_row(ota_service_t *svc);
void svc_step_mark(ota_service_t *svc);
void svc_step_done(ota_service_t *svc);

#endif /* SYSOTA_SERVICE_INTERNAL_H */
