-- Payouts (grain: one row per statement): each statement's settlement, the payment that
-- paid it into the balance, and what is still pending (statements not paid yet).
select
    statements.shop_id,
    statements.statement_id,
    statements.statement_at,
    statements.currency,
    statements.settlement_amount,
    statements.payment_status as statement_payment_status,
    statements.payment_id,
    payments.payment_status,
    payments.amount as payment_amount,
    payments.created_at as payment_created_at,
    coalesce(payments.paid_at, statements.paid_at) as paid_at,
    statements.payment_status <> 'PAID' as is_pending,
    case when statements.payment_status <> 'PAID' then statements.settlement_amount else 0 end
        as pending_amount
from {{ ref('stg_tiktokshop__statements') }} as statements
left join {{ ref('stg_tiktokshop__payments') }} as payments
    on payments.shop_id = statements.shop_id and payments.payment_id = statements.payment_id
