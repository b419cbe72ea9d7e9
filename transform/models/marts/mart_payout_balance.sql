-- The seller's balance per shop and currency (grain: shop_id, currency): statements paid
-- into it (SETTLE), platform transfers, withdrawals to the bank (done, in progress,
-- failed and reversed), and what is still to come: statements not paid yet and the
-- estimate of the orders not settled yet.
with movements as (
    select
        shop_id,
        currency,
        sum(case when withdrawal_type = 'SETTLE' and withdrawal_status = 'SUCCESS'
                 then amount else 0 end) as settled_in,
        sum(case when withdrawal_type = 'TRANSFER' and withdrawal_status = 'SUCCESS'
                 then amount else 0 end) as transfers_in,
        sum(case when withdrawal_type = 'REVERSE' and withdrawal_status = 'SUCCESS'
                 then amount else 0 end) as reversed_in,
        sum(case when withdrawal_type = 'WITHDRAW' and withdrawal_status = 'SUCCESS'
                 then amount else 0 end) as withdrawn,
        sum(case when withdrawal_type = 'WITHDRAW' and withdrawal_status = 'PROCESSING'
                 then amount else 0 end) as withdrawing,
        sum(case when withdrawal_type = 'WITHDRAW' and withdrawal_status = 'FAILED'
                 then amount else 0 end) as withdrawal_failed
    from {{ ref('stg_tiktokshop__withdrawals') }}
    group by shop_id, currency
),

pending as (
    select shop_id, currency, sum(pending_amount) as pending_statements_amount,
           count(case when is_pending then 1 end) as pending_statements
    from {{ ref('mart_payouts') }}
    group by shop_id, currency
),

unsettled as (
    select shop_id, currency, sum(est_settlement_amount) as unsettled_estimate
    from {{ ref('stg_tiktokshop__unsettled_transactions') }}
    group by shop_id, currency
),

keys as (
    select shop_id, currency from movements
    union
    select shop_id, currency from pending
    union
    select shop_id, currency from unsettled
)

select
    keys.shop_id,
    keys.currency,
    coalesce(movements.settled_in, 0) as settled_in,
    coalesce(movements.transfers_in, 0) as transfers_in,
    coalesce(movements.reversed_in, 0) as reversed_in,
    coalesce(movements.withdrawn, 0) as withdrawn,
    coalesce(movements.withdrawing, 0) as withdrawing,
    coalesce(movements.withdrawal_failed, 0) as withdrawal_failed,
    coalesce(movements.settled_in, 0) + coalesce(movements.transfers_in, 0)
        + coalesce(movements.reversed_in, 0) - coalesce(movements.withdrawn, 0)
        - coalesce(movements.withdrawing, 0) - coalesce(movements.withdrawal_failed, 0)
        as balance,
    coalesce(pending.pending_statements, 0) as pending_statements,
    coalesce(pending.pending_statements_amount, 0) as pending_statements_amount,
    coalesce(unsettled.unsettled_estimate, 0) as unsettled_estimate
from keys
left join movements
    on movements.shop_id = keys.shop_id and movements.currency = keys.currency
left join pending on pending.shop_id = keys.shop_id and pending.currency = keys.currency
left join unsettled on unsettled.shop_id = keys.shop_id and unsettled.currency = keys.currency
