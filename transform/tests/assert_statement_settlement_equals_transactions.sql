-- Reconciliation: every statement's settlement is the sum of its transactions' settlements,
-- to the cent. Returns the statements that differ.
select
    statements.shop_id,
    statements.statement_id,
    statements.settlement_amount,
    coalesce(sum(transactions.settlement_amount), 0) as transactions_total
from {{ ref('stg_tiktokshop__statements') }} as statements
left join {{ ref('stg_tiktokshop__statement_transactions') }} as transactions
    on transactions.shop_id = statements.shop_id
    and transactions.statement_id = statements.statement_id
group by statements.shop_id, statements.statement_id, statements.settlement_amount
having round(statements.settlement_amount, 2)
    <> round(coalesce(sum(transactions.settlement_amount), 0), 2)
