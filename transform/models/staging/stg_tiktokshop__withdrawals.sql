select
    shop_id,
    id as withdrawal_id,
    type as withdrawal_type,
    status as withdrawal_status,
    currency,
    {{ money('amount_value') }} as amount,
    {{ ts('create_time_iso') }} as created_at
from {{ newest(source('tiktokshop', 'withdrawals'), ['shop_id', 'id']) }} as withdrawals
