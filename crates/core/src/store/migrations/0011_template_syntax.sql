-- Which template model a cached template's `raw` is in: seed 000's send text ('chatarchitect') or
-- a Meta template object as JSON ('meta', SendZen and 360dialog). Every template cached before
-- this migration came from ChatArchitect.
ALTER TABLE templates ADD COLUMN syntax TEXT NOT NULL DEFAULT 'chatarchitect' CHECK (syntax IN ('chatarchitect', 'meta'));
