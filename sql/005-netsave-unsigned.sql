-- bank_netsave.unsigned_data: the fields of a NetSave that the bank does
-- not sign (RespDesc, FeeAmt, FeeCustId, FeeAcctId, GateBusiId,
-- GateBankId, SecRespCode, SecRespDesc, CardId, CharSet), as received.
-- Anyone who replays a genuine callback can change them: they are kept
-- apart from data, which holds only the bank's signed word.  Fields the
-- handler does not know are kept in neither (bank_callback_audit.body has
-- them).  Never move money on unsigned_data.
--
-- Rows stored before this file have everything in data and NULL here.
-- Safe to apply twice.

ALTER TABLE bank_netsave ADD COLUMN IF NOT EXISTS unsigned_data json;
