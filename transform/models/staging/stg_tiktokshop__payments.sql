select
    shop_id,
    id as payment_id,
    status as payment_status,
    {{ json_text('amount', ['currency']) }} as currency,
    {{ money('amount_value') }} as amount,
    {{ money('settlement_amount_value') }} as settlement_amount,
    {{ money('reserve_amount_value') }} as reserve_amount,
    cast(exchange_rate as numeric(38, 6)) as exchange_rate,
    bank_account,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('paid_time_iso') }} as paid_at
from {{ newest(source('tiktokshop', 'payments'), ['shop_id', 'id']) }} as payments
