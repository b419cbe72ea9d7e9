select
    shop_id,
    id as statement_id,
    currency,
    payment_status,
    payment_id,
    {{ money('settlement_amount_value') }} as settlement_amount,
    {{ money('revenue_amount_value') }} as revenue_amount,
    {{ money('net_sales_amount_value') }} as net_sales_amount,
    {{ money('fee_amount_value') }} as fee_amount,
    {{ money('shipping_cost_amount_value') }} as shipping_cost_amount,
    {{ money('adjustment_amount_value') }} as adjustment_amount,
    {{ ts('statement_time_iso') }} as statement_at,
    {{ ts('payment_time_iso') }} as paid_at
from {{ newest(source('tiktokshop', 'statements'), ['shop_id', 'id']) }} as statements
