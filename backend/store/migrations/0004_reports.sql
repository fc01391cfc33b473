-- When an account's profile first became complete, for the monthly report.
ALTER TABLE accounts ADD COLUMN completed_at INTEGER;
UPDATE accounts SET completed_at = updated_at WHERE status = 'profile_complete';
CREATE INDEX accounts_completed ON accounts(completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX users_created ON users(created_at);
CREATE INDEX users_phone_verified ON users(phone_verified_at) WHERE phone_verified_at IS NOT NULL;
CREATE INDEX kyc_events_action ON kyc_events(action, at);
