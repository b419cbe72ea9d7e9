select
    shop_id,
    name as shop_name,
    region,
    seller_type,
    code as shop_code
from {{ newest(source('tiktokshop', 'shops'), ['shop_id']) }} as shops
