-- The rollups without a category column hold message volume only: the
-- volume of the token categories (META_BUSINESS_AGENT, whose volume counts
-- tokens) is no longer in their volume. Recompute the rows that had tokens
-- added to their messages, from usage_daily.
UPDATE usage_channel_daily SET volume = t.messages
		FROM (SELECT channel_id, bucket_start, pricing_type, currency,
				SUM(CASE WHEN category IN ('META_BUSINESS_AGENT') THEN 0 ELSE volume END) AS messages
			FROM usage_daily
			GROUP BY channel_id, bucket_start, pricing_type, currency
			HAVING SUM(CASE WHEN category IN ('META_BUSINESS_AGENT') THEN 1 ELSE 0 END) > 0) t
		WHERE usage_channel_daily.channel_id = t.channel_id AND usage_channel_daily.bucket_start = t.bucket_start
			AND usage_channel_daily.pricing_type = t.pricing_type AND usage_channel_daily.currency = t.currency;

UPDATE usage_client_daily SET volume = t.messages
		FROM (SELECT c.client_id, u.bucket_start, u.currency,
				SUM(CASE WHEN u.category IN ('META_BUSINESS_AGENT') THEN 0 ELSE u.volume END) AS messages
			FROM usage_daily u JOIN channels c ON c.id = u.channel_id
			GROUP BY c.client_id, u.bucket_start, u.currency
			HAVING SUM(CASE WHEN u.category IN ('META_BUSINESS_AGENT') THEN 1 ELSE 0 END) > 0) t
		WHERE usage_client_daily.client_id = t.client_id AND usage_client_daily.bucket_start = t.bucket_start
			AND usage_client_daily.currency = t.currency;
